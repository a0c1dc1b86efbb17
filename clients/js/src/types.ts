/** The shapes imgedge hands out: `GET /api/pictures` and `GET /api/products/<id>`. */

/** Which part of a page an image fills: it decides the candidate sizes and `sizes`. */
export type Slot = "thumbnail" | "card" | "hero";

/** One `<source>`: a format and its versioned candidates (`"<url> 150w, <url> 400w"`). */
export interface PictureSource {
  type: string;
  srcset: string;
}

/** One product's picture, as `/api/pictures` answers it. */
export interface Picture {
  productId: number;
  alt: string;
  width: number;
  height: number;
  version: string;
  /** A ~20 px WebP as a `data:` URI, shown blurred until the image loads. */
  placeholder: string | null;
  /** Better formats first (AVIF, then WebP); the browser takes the first it supports. */
  sources: PictureSource[];
  /** The fallback format (JPEG, or PNG for transparent images). */
  src: string;
  srcset: string;
}

/** The whole answer of `GET /api/pictures`. */
export interface PicturesResponse {
  slot: Slot;
  sizes: string;
  pictures: Picture[];
  /** Requested ids that show no image (unknown, or no image yet). */
  missing: number[];
}

/**
 * The parts of a product (as `GET /api/products/<id>` answers it, plus the image's
 * `placeholder` and `has_alpha` when known) that are enough to build its picture.
 */
export interface ProductLike {
  id: number;
  name: string;
  image: {
    width: number;
    height: number;
    version: string;
    placeholder?: string | null;
    has_alpha?: boolean;
  } | null;
}
