/**
 * `<ProductImage>`: a product's picture as `<picture>` with AVIF and WebP `<source>`s and
 * a JPEG/PNG `<img>` carrying the intrinsic width and height (no layout shift). Lazy by
 * default (native, or an IntersectionObserver with a 50 px margin where the browser lacks
 * it); `priority` (the hero) loads at once with `fetchpriority="high"`. The blurred
 * placeholder shows until the image has loaded.
 */

import * as React from "react";
import { hasNativeLazyLoading, whenNearViewport } from "./lazy.js";
import { SLOT_DEFAULT_SIZES } from "./sizes.js";
import type { Picture, ProductLike, Slot } from "./types.js";
import { pictureFromProduct } from "./urls.js";

export interface ProductImageProps {
  /** One entry of `/api/pictures`' `pictures`. */
  picture?: Picture | null;
  /** Or the product itself (as the products API answers it): candidates per `slot`. */
  product?: ProductLike | null;
  /** Where imgedge (or its CDN) lives, for `product` (`picture` URLs are used as given). */
  baseUrl?: string;
  /** Defaults to the picture's alt, the product's name. */
  alt?: string;
  className?: string;
  /** The image that matters first (a hero): no lazy loading, fetched with high priority. */
  priority?: boolean;
  slot?: Slot;
  /** The `sizes` attribute; defaults to the slot's rendered width. */
  sizes?: string;
}

// React 19 knows `fetchPriority`; React 18 passes only the lower-case attribute through.
const FETCH_PRIORITY_PROP =
  Number.parseInt(React.version, 10) >= 19 ? "fetchPriority" : "fetchpriority";

export function ProductImage({
  picture,
  product,
  baseUrl = "",
  alt,
  className,
  priority = false,
  slot = "card",
  sizes,
}: ProductImageProps): React.ReactElement | null {
  const shown =
    picture ?? (product ? pictureFromProduct(product, { slot, baseUrl }) : null);
  const imgRef = React.useRef<HTMLImageElement>(null);
  const [loaded, setLoaded] = React.useState(false);
  // Without native lazy loading, candidates are withheld until the image is near the
  // viewport: a <picture> with no src or srcset fetches nothing.
  const [observed] = React.useState(() => !priority && !hasNativeLazyLoading());
  const [near, setNear] = React.useState(false);
  const withheld = observed && !near;

  React.useEffect(() => {
    const img = imgRef.current;
    if (!withheld || img === null) return undefined;
    return whenNearViewport(img, () => setNear(true));
  }, [withheld]);

  React.useEffect(() => {
    // Loaded before React attached onLoad (server-rendered markup, a cached image).
    const img = imgRef.current;
    if (img !== null && !withheld && img.complete && img.naturalWidth > 0) setLoaded(true);
  }, [withheld, shown?.src]);

  if (!shown) return null;
  const sizesAttr = sizes ?? SLOT_DEFAULT_SIZES[slot];
  const placeholder =
    !loaded && shown.placeholder
      ? {
          backgroundImage: `url("${shown.placeholder}")`,
          backgroundSize: "cover",
          backgroundRepeat: "no-repeat",
          filter: "blur(8px)",
        }
      : undefined;
  const loading: Record<string, string> = priority
    ? { [FETCH_PRIORITY_PROP]: "high", loading: "eager" }
    : { loading: "lazy" };
  return (
    <picture data-imgedge-product={shown.productId}>
      {shown.sources.map((source) => (
        <source
          key={source.type}
          type={source.type}
          srcSet={withheld ? undefined : source.srcset}
          sizes={sizesAttr}
        />
      ))}
      <img
        ref={imgRef}
        src={withheld ? undefined : shown.src}
        srcSet={withheld ? undefined : shown.srcset}
        sizes={sizesAttr}
        width={shown.width}
        height={shown.height}
        alt={alt ?? shown.alt}
        className={className}
        decoding="async"
        style={placeholder}
        onLoad={() => setLoaded(true)}
        {...loading}
      />
    </picture>
  );
}
