import { describe, expect, it } from "vitest";
import { createImgedgeLoader, sizeForWidth } from "../src/loader.js";

describe("sizeForWidth", () => {
  // Next's default deviceSizes and imageSizes, and the edges of each size.
  it.each([
    [16, "thumbnail"], [128, "thumbnail"], [150, "thumbnail"], [151, "small"],
    [256, "small"], [384, "small"], [400, "small"], [401, "medium"], [640, "medium"],
    [750, "medium"], [800, "medium"], [828, "large"], [1080, "large"], [1200, "large"],
    [1201, "large@2x"], [1920, "large@2x"], [3840, "large@2x"],
  ])("width %i → %s", (width, size) => {
    expect(sizeForWidth(width)).toBe(size);
  });
});

describe("createImgedgeLoader", () => {
  const load = createImgedgeLoader("https://cdn.test/");

  it("turns a product id into a negotiated URL of the nearest size", () => {
    expect(load({ src: "42", width: 640 })).toBe("https://cdn.test/img/42/medium");
    expect(load({ src: "42", width: 96, quality: 75 })).toBe("https://cdn.test/img/42/thumbnail");
  });

  it("rewrites the size of an /img URL, keeping its version and format", () => {
    expect(load({ src: "/img/42/medium?v=abc", width: 1080 })).toBe(
      "https://cdn.test/img/42/large?v=abc",
    );
    expect(load({ src: "/img/42/large@2x.webp?v=abc", width: 300 })).toBe(
      "https://cdn.test/img/42/small.webp?v=abc",
    );
    // An absolute URL keeps its own host.
    expect(load({ src: "https://other.test/img/9/small.avif?v=1", width: 2000 })).toBe(
      "https://other.test/img/9/large@2x.avif?v=1",
    );
  });

  it("refuses anything else", () => {
    expect(() => load({ src: "/photos/cat.jpg", width: 100 })).toThrow(/neither/);
    expect(() => load({ src: "-1", width: 100 })).toThrow(/neither/);
  });

  it("uses the page's origin without a base", () => {
    expect(createImgedgeLoader("")({ src: "5", width: 400 })).toBe("/img/5/small");
  });
});
