/**
 * A `next/image` custom loader (`images: { loader: "custom", loaderFile: ... }` in
 * next.config.js): maps the width Next asks for to the nearest imgedge size at least that
 * wide, so every URL is one of imgedge's bounded variants (no arbitrary widths).
 *
 * `src` is a product id (`"42"`) or an imgedge image URL (`/img/42/medium?v=…`, or
 * absolute); its version and named format are kept. Without a named format the URL is
 * negotiated (`Vary: Accept`): next/image renders a plain `<img>`, so the browser's
 * `Accept` picks AVIF or WebP.
 */

import { SIZE_WIDTHS, type SizeName } from "./sizes.js";
import { trimBase } from "./urls.js";

export interface ImageLoaderProps {
  src: string;
  width: number;
  quality?: number;
}

/** Wider than `large`: `large@2x` (2400 px, never wider than the original). */
const LARGEST = "large@2x";

/** The size for a requested width: the smallest at least that wide, else the largest. */
export function sizeForWidth(width: number): SizeName | typeof LARGEST {
  const names = Object.keys(SIZE_WIDTHS) as (keyof typeof SIZE_WIDTHS)[];
  return names.find((name) => SIZE_WIDTHS[name] >= width) ?? LARGEST;
}

const IMG_URL = /^(?<head>.*\/img\/\d+\/)[a-z]+(?:@2x)?(?<format>\.[a-z]+)?(?<query>\?.*)?$/;

/** A loader for imgedge at `baseUrl` (`""`: the page's own origin). */
export function createImgedgeLoader(baseUrl: string): (props: ImageLoaderProps) => string {
  const base = trimBase(baseUrl);
  return ({ src, width }) => {
    const size = sizeForWidth(width);
    if (/^\d+$/.test(src)) return `${base}/img/${src}/${size}`;
    const match = IMG_URL.exec(src);
    if (match?.groups === undefined) {
      throw new Error(`imgedge loader: ${src} is neither a product id nor an /img URL`);
    }
    const { head = "", format = "", query = "" } = match.groups;
    return `${head.startsWith("/") ? base : ""}${head}${size}${format}${query}`;
  };
}

declare const process: { env: Record<string, string | undefined> } | undefined;

/** Next inlines `NEXT_PUBLIC_*` variables at build time: set it to imgedge's (CDN) URL. */
const configured = typeof process === "undefined" ? "" : process.env.NEXT_PUBLIC_IMGEDGE_URL;

/** The loader `loaderFile` points at: imgedge at `NEXT_PUBLIC_IMGEDGE_URL`. */
export const imgedgeLoader = createImgedgeLoader(configured ?? "");
export default imgedgeLoader;
