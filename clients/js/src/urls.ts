/** Building imgedge URLs: `<base>/img/<product>/<size>[.<fmt>]?v=<version>`. */

import { SIZE_WIDTHS, SLOT_SIZES, type SizeName } from "./sizes.js";
import type { Picture, ProductLike, Slot } from "./types.js";

/** `https://cdn.example/` or `""` (same origin) → without a trailing slash. */
export function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

export function imgUrl(
  baseUrl: string,
  productId: number,
  size: SizeName,
  format?: string,
  version?: string,
): string {
  const path = `/img/${productId}/${size}${format ? `.${format}` : ""}`;
  return `${trimBase(baseUrl)}${path}${version ? `?v=${encodeURIComponent(version)}` : ""}`;
}

/**
 * The picture of a product from what the products API says about it, with the same
 * candidates and formats `/api/pictures` hands out for the slot: for pages that already
 * hold the product. `null` when it shows no image.
 */
export function pictureFromProduct(
  product: ProductLike,
  { slot = "card", baseUrl = "" }: { slot?: Slot; baseUrl?: string } = {},
): Picture | null {
  const image = product.image;
  if (image === null) return null;
  // A size at or past the original's width serves the original: list that once.
  const candidates = [
    ...new Set(
      SLOT_SIZES[slot].map((size): SizeName =>
        size === "original" || SIZE_WIDTHS[size] >= image.width ? "original" : size,
      ),
    ),
  ];
  const width = (size: SizeName): number =>
    size === "original" ? image.width : SIZE_WIDTHS[size];
  const srcset = (format: string): string =>
    candidates
      .map((size) => `${imgUrl(baseUrl, product.id, size, format, image.version)} ${width(size)}w`)
      .join(", ");
  const fallback = image.has_alpha ? "png" : "jpg";
  return {
    productId: product.id,
    alt: product.name,
    width: image.width,
    height: image.height,
    version: image.version,
    placeholder: image.placeholder ?? null,
    sources: [
      { type: "image/avif", srcset: srcset("avif") },
      { type: "image/webp", srcset: srcset("webp") },
    ],
    src: imgUrl(baseUrl, product.id, candidates[0] ?? "original", fallback, image.version),
    srcset: srcset(fallback),
  };
}
