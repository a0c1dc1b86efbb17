/** Lazy loading: native `loading="lazy"` where the browser has it, else an observer. */

/** How far outside the viewport an image starts loading (as the original component did). */
export const ROOT_MARGIN = "50px";

export function hasNativeLazyLoading(): boolean {
  return typeof HTMLImageElement !== "undefined" && "loading" in HTMLImageElement.prototype;
}

/**
 * Calls `onVisible` once `element` comes within `ROOT_MARGIN` of the viewport, and
 * returns the function that stops watching. Without IntersectionObserver (very old
 * browsers) it calls `onVisible` at once: loading everything beats showing nothing.
 */
export function whenNearViewport(element: Element, onVisible: () => void): () => void {
  if (typeof IntersectionObserver === "undefined") {
    onVisible();
    return () => {};
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        onVisible();
      }
    },
    { rootMargin: ROOT_MARGIN },
  );
  observer.observe(element);
  return () => observer.disconnect();
}
