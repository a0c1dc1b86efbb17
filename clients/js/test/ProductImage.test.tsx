// @vitest-environment jsdom
import { act, cleanup, fireEvent, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProductImage } from "../src/ProductImage.js";
import type { ProductLike } from "../src/types.js";
import { CARD } from "./fixtures.js";

/** A stand-in for the browser's IntersectionObserver that the test drives. */
class FakeObserver {
  static instances: FakeObserver[] = [];
  observed: Element[] = [];
  disconnected = false;
  constructor(
    readonly callback: IntersectionObserverCallback,
    readonly options: IntersectionObserverInit = {},
  ) {
    FakeObserver.instances.push(this);
  }
  observe(element: Element): void {
    this.observed.push(element);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  enter(isIntersecting: boolean): void {
    const entries = this.observed.map((target) => ({ target, isIntersecting }));
    this.callback(entries as unknown as IntersectionObserverEntry[], this as never);
  }
}

function setNativeLazy(present: boolean): void {
  const proto = HTMLImageElement.prototype as unknown as Record<string, unknown>;
  if (present) Object.defineProperty(proto, "loading", { value: "auto", configurable: true });
  else delete proto.loading;
}

function setObserver(present: boolean): void {
  const g = globalThis as Record<string, unknown>;
  if (present) g.IntersectionObserver = FakeObserver;
  else delete g.IntersectionObserver;
}

beforeEach(() => {
  FakeObserver.instances = [];
  setNativeLazy(true);
  setObserver(true);
});
afterEach(() => {
  cleanup();
  setNativeLazy(false);
  setObserver(false);
});

const parts = (container: HTMLElement) => ({
  picture: container.querySelector("picture"),
  sources: [...container.querySelectorAll("source")],
  img: container.querySelector("img") as HTMLImageElement,
});

describe("markup", () => {
  it("renders AVIF then WebP sources and the fallback img with its intrinsic size", () => {
    const { container } = render(<ProductImage picture={CARD} />);
    const { picture, sources, img } = parts(container);
    expect(picture).not.toBeNull();
    expect(sources.map((s) => s.getAttribute("type"))).toEqual(["image/avif", "image/webp"]);
    expect(sources[0]?.getAttribute("srcset")).toBe(CARD.sources[0]?.srcset);
    expect(sources[1]?.getAttribute("srcset")).toBe(CARD.sources[1]?.srcset);
    expect(img.getAttribute("src")).toBe(CARD.src);
    expect(img.getAttribute("srcset")).toBe(CARD.srcset);
    expect(img.getAttribute("width")).toBe("1000");
    expect(img.getAttribute("height")).toBe("800");
    expect(img.getAttribute("alt")).toBe("Trail Runner 2");
    expect(img.getAttribute("decoding")).toBe("async");
    expect(picture?.lastElementChild).toBe(img); // the img comes after every source
  });

  it("takes sizes from the slot, or from the prop", () => {
    const sizesOf = (el: HTMLElement) =>
      [...el.querySelectorAll("source, img")].map((e) => e.getAttribute("sizes"));
    expect(sizesOf(render(<ProductImage picture={CARD} slot="thumbnail" />).container)).toEqual(
      ["150px", "150px", "150px"],
    );
    cleanup();
    expect(sizesOf(render(<ProductImage picture={CARD} slot="hero" />).container)).toEqual([
      "100vw", "100vw", "100vw",
    ]);
    cleanup();
    const given = render(<ProductImage picture={CARD} slot="hero" sizes="(min-width: 900px) 33vw, 50vw" />);
    expect(new Set(sizesOf(given.container))).toEqual(new Set(["(min-width: 900px) 33vw, 50vw"]));
  });

  it("lets alt and className be given", () => {
    const { img } = parts(render(<ProductImage picture={CARD} alt="" className="tile" />).container);
    expect(img.getAttribute("alt")).toBe(""); // decorative: an empty alt is kept, not replaced
    expect(img.className).toBe("tile");
  });

  it("renders nothing without a picture", () => {
    expect(render(<ProductImage picture={null} />).container.innerHTML).toBe("");
  });

  it("builds the picture from a product for its slot", () => {
    const product: ProductLike = {
      id: 3,
      name: "Cola 12 oz",
      image: { width: 1000, height: 1000, version: "abc", placeholder: null, has_alpha: true },
    };
    const { sources, img } = parts(
      render(<ProductImage product={product} slot="thumbnail" baseUrl="https://cdn.test/" />)
        .container,
    );
    expect(sources[0]?.getAttribute("srcset")).toBe(
      "https://cdn.test/img/3/thumbnail.avif?v=abc 150w, https://cdn.test/img/3/small.avif?v=abc 400w",
    );
    expect(img.getAttribute("src")).toBe("https://cdn.test/img/3/thumbnail.png?v=abc"); // alpha: PNG
    expect(img.getAttribute("alt")).toBe("Cola 12 oz");
    expect(img.getAttribute("style")).toBeNull(); // no placeholder, no style
  });
});

describe("placeholder", () => {
  it("shows the blurred placeholder until the image has loaded", () => {
    const { img } = parts(render(<ProductImage picture={CARD} />).container);
    expect(img.style.backgroundImage).toContain(CARD.placeholder);
    expect(img.style.filter).toBe("blur(8px)");
    fireEvent.load(img);
    expect(img.style.backgroundImage).toBe("");
    expect(img.style.filter).toBe("");
  });
});

describe("lazy loading and priority", () => {
  it("is lazy, natively, by default", () => {
    const { img } = parts(render(<ProductImage picture={CARD} />).container);
    expect(img.getAttribute("loading")).toBe("lazy");
    expect(img.getAttribute("fetchpriority")).toBeNull();
    expect(FakeObserver.instances).toHaveLength(0); // the browser does it
  });

  it("loads the priority image at once, with high priority", () => {
    const { img } = parts(render(<ProductImage picture={CARD} priority />).container);
    expect(img.getAttribute("loading")).toBe("eager");
    expect(img.getAttribute("fetchpriority")).toBe("high");
    expect(img.getAttribute("src")).toBe(CARD.src);
  });

  it("without native lazy loading, withholds the URLs until 50 px from the viewport", () => {
    setNativeLazy(false);
    const { sources, img } = parts(render(<ProductImage picture={CARD} />).container);
    expect(img.getAttribute("src")).toBeNull();
    expect(img.getAttribute("srcset")).toBeNull();
    expect(sources.map((s) => s.getAttribute("srcset"))).toEqual([null, null]);
    expect(FakeObserver.instances).toHaveLength(1);
    const observer = FakeObserver.instances[0] as FakeObserver;
    expect(observer.options.rootMargin).toBe("50px");
    expect(observer.observed).toEqual([img]);

    act(() => observer.enter(false)); // still far away
    expect(img.getAttribute("src")).toBeNull();
    act(() => observer.enter(true));
    expect(img.getAttribute("src")).toBe(CARD.src);
    expect(img.getAttribute("srcset")).toBe(CARD.srcset);
    expect(sources.map((s) => s.getAttribute("srcset"))).toEqual(
      CARD.sources.map((s) => s.srcset),
    );
    expect(observer.disconnected).toBe(true);
  });

  it("stops observing when unmounted", () => {
    setNativeLazy(false);
    const { unmount } = render(<ProductImage picture={CARD} />);
    unmount();
    expect(FakeObserver.instances[0]?.disconnected).toBe(true);
  });

  it("never withholds the priority image", () => {
    setNativeLazy(false);
    const { img } = parts(render(<ProductImage picture={CARD} priority />).container);
    expect(img.getAttribute("src")).toBe(CARD.src);
    expect(FakeObserver.instances).toHaveLength(0);
  });

  it("loads at once where neither native lazy loading nor an observer exists", () => {
    setNativeLazy(false);
    setObserver(false);
    const { img } = parts(render(<ProductImage picture={CARD} />).container);
    expect(img.getAttribute("src")).toBe(CARD.src);
  });
});
