import { describe, expect, it } from "vitest";
import { pictureFromProduct } from "../src/urls.js";

const product = (width: number, has_alpha = false) => ({
  id: 9,
  name: "Oat Milk 1 l",
  image: { width, height: width, version: "v1", placeholder: "data:x", has_alpha },
});

const widths = (srcset: string) => srcset.split(", ").map((c) => c.split(" ")[1]);

describe("pictureFromProduct", () => {
  it("lists the slot's sizes per format, versioned", () => {
    const card = pictureFromProduct(product(1000), { slot: "card", baseUrl: "https://c.test" });
    expect(card?.sources[0]?.srcset).toBe(
      "https://c.test/img/9/small.avif?v=v1 400w, https://c.test/img/9/medium.avif?v=v1 800w",
    );
    expect(card?.srcset).toBe("https://c.test/img/9/small.jpg?v=v1 400w, https://c.test/img/9/medium.jpg?v=v1 800w");
    expect(card?.src).toBe("https://c.test/img/9/small.jpg?v=v1");
    expect(card).toMatchObject({ productId: 9, alt: "Oat Milk 1 l", width: 1000, placeholder: "data:x" });
  });

  it("replaces sizes at or past the original's width by the original, once", () => {
    expect(widths(pictureFromProduct(product(1000), { slot: "hero" })?.srcset ?? "")).toEqual([
      "800w", "1000w",
    ]);
    expect(widths(pictureFromProduct(product(300), { slot: "hero" })?.srcset ?? "")).toEqual([
      "300w",
    ]);
    expect(widths(pictureFromProduct(product(400), { slot: "thumbnail" })?.srcset ?? "")).toEqual([
      "150w", "400w",
    ]);
  });

  it("falls back to PNG for transparent images, and to null without an image", () => {
    expect(pictureFromProduct(product(1000, true))?.src).toBe("/img/9/small.png?v=v1");
    expect(pictureFromProduct({ id: 1, name: "x", image: null })).toBeNull();
  });
});
