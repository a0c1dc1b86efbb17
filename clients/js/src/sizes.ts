/** imgedge's named sizes and which of them each slot needs (DESIGN.md: the URL contract). */

import type { Slot } from "./types.js";

/** The fixed widths of `/img/<product>/<size>`; `original` is the source's own width. */
export const SIZE_WIDTHS = {
  thumbnail: 150,
  small: 400,
  medium: 800,
  large: 1200,
} as const;

export type SizeName = keyof typeof SIZE_WIDTHS | "original";

/** The candidates a browser could need per slot, at device pixel ratios 1 to 3. */
export const SLOT_SIZES: Record<Slot, readonly SizeName[]> = {
  thumbnail: ["thumbnail", "small"], // tiles of ~150 CSS px: 150w at 1x, 400w at 2x-3x
  card: ["small", "medium"], // cards of ~300-400 CSS px
  hero: ["medium", "large", "original"], // full width
};

/** The `sizes` attribute used when none is given: the slot's rendered width. */
export const SLOT_DEFAULT_SIZES: Record<Slot, string> = {
  thumbnail: "150px",
  card: "(max-width: 640px) 50vw, 400px",
  hero: "100vw",
};

export function isSlot(value: unknown): value is Slot {
  return value === "thumbnail" || value === "card" || value === "hero";
}
