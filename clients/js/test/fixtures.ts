import type { Picture } from "../src/types.js";

export const CARD: Picture = {
  productId: 7,
  alt: "Trail Runner 2",
  width: 1000,
  height: 800,
  version: "0123456789abcdef",
  placeholder: "data:image/webp;base64,UklGRg==",
  sources: [
    { type: "image/avif", srcset: "https://cdn.test/img/7/small.avif?v=0123456789abcdef 400w, https://cdn.test/img/7/medium.avif?v=0123456789abcdef 800w" },
    { type: "image/webp", srcset: "https://cdn.test/img/7/small.webp?v=0123456789abcdef 400w, https://cdn.test/img/7/medium.webp?v=0123456789abcdef 800w" },
  ],
  src: "https://cdn.test/img/7/small.jpg?v=0123456789abcdef",
  srcset: "https://cdn.test/img/7/small.jpg?v=0123456789abcdef 400w, https://cdn.test/img/7/medium.jpg?v=0123456789abcdef 800w",
};
