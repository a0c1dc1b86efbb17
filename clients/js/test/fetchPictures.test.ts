import { describe, expect, it } from "vitest";
import { fetchPictures, ImgedgeError, resolvePicture } from "../src/fetchPictures.js";
import type { Picture, PicturesResponse } from "../src/types.js";
import { CARD } from "./fixtures.js";
// A real answer of `imgedge serve` over the demo catalog (no IMGEDGE_PUBLIC_BASE_URL):
// GET /api/pictures?products=1,2,3,999999&slot=thumbnail. The browser proof
// (tests/browser/test_storefront_pages.py) checks it still has the live answers' shape.
import realAnswer from "./fixtures/pictures-thumbnail.json";

/** A fetch that answers /api/pictures from a table (ids > 1000 are missing) and logs calls. */
function fakeImgedge(answer?: (url: URL) => Response) {
  const calls: URL[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    calls.push(url);
    if (answer) return answer(url);
    const ids = (url.searchParams.get("products") ?? "").split(",").map(Number);
    const body: PicturesResponse = {
      slot: url.searchParams.get("slot") as PicturesResponse["slot"],
      sizes: url.searchParams.get("sizes") ?? "150px",
      pictures: ids.filter((id) => id <= 1000).map((id): Picture => ({ ...CARD, productId: id })),
      missing: ids.filter((id) => id > 1000),
    };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe("fetchPictures", () => {
  it("asks once for a page of products", async () => {
    const { calls, fetchImpl } = fakeImgedge();
    const got = await fetchPictures("https://edge.test/", [3, 1, 2000], {
      slot: "thumbnail",
      sizes: "(max-width: 600px) 33vw, 150px",
      fetch: fetchImpl,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.pathname).toBe("/api/pictures");
    expect(calls[0]?.search).toBe(
      "?products=3,1,2000&slot=thumbnail&sizes=(max-width%3A%20600px)%2033vw%2C%20150px",
    );
    expect(calls[0]?.searchParams.get("sizes")).toBe("(max-width: 600px) 33vw, 150px");
    expect(got.pictures.map((p) => p.productId)).toEqual([3, 1]);
    expect(got.missing).toEqual([2000]);
    expect(got.slot).toBe("thumbnail");
  });

  it("splits more than 100 ids into calls of 100 and joins the answers in order", async () => {
    const { calls, fetchImpl } = fakeImgedge();
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    ids.push(1001, 5, 5); // a missing one and repeats
    const got = await fetchPictures("https://edge.test", ids, { fetch: fetchImpl });
    const batches = calls.map((u) => (u.searchParams.get("products") ?? "").split(",").length);
    expect(batches).toEqual([100, 100, 51]);
    expect(calls.every((u) => u.searchParams.get("slot") === "card")).toBe(true);
    expect(calls.every((u) => !u.searchParams.has("sizes"))).toBe(true);
    expect(got.pictures.map((p) => p.productId)).toEqual(ids.slice(0, 250));
    expect(got.missing).toEqual([1001]);
  });

  it("asks nothing for no ids", async () => {
    const { calls, fetchImpl } = fakeImgedge();
    const got = await fetchPictures("https://edge.test", [], { fetch: fetchImpl });
    expect(calls).toHaveLength(0);
    expect(got.pictures).toEqual([]);
  });

  it("refuses ids that are not positive integers before asking", async () => {
    const { calls, fetchImpl } = fakeImgedge();
    for (const bad of [0, -3, 1.5, Number.NaN, 2 ** 60]) {
      await expect(fetchPictures("https://e.test", [1, bad], { fetch: fetchImpl })).rejects.toThrow(
        TypeError,
      );
    }
    expect(calls).toHaveLength(0);
  });

  it("turns imgedge's JSON error into an ImgedgeError with its code", async () => {
    const { fetchImpl } = fakeImgedge(() =>
      Response.json({ error: { code: "invalid_field", message: "sizes is too long" } }, { status: 400 }),
    );
    const failure = fetchPictures("https://e.test", [1], { fetch: fetchImpl });
    await expect(failure).rejects.toBeInstanceOf(ImgedgeError);
    await expect(failure).rejects.toMatchObject({ status: 400, code: "invalid_field" });
  });

  it("fails the whole when one batch fails, and survives a non-JSON error page", async () => {
    const { fetchImpl } = fakeImgedge((url) =>
      url.searchParams.get("products")?.startsWith("101,")
        ? new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" })
        : Response.json({ slot: "card", sizes: "", pictures: [], missing: [] }),
    );
    const ids = Array.from({ length: 150 }, (_, i) => i + 1);
    await expect(fetchPictures("https://e.test", ids, { fetch: fetchImpl })).rejects.toMatchObject({
      status: 502,
      code: "http_error",
      message: "imgedge 502 http_error: Bad Gateway",
    });
  });

  it("parses a real /api/pictures answer as imgedge gives it", async () => {
    const { calls, fetchImpl } = fakeImgedge(() =>
      new Response(JSON.stringify(realAnswer), { headers: { "content-type": "application/json" } }),
    );
    const got = await fetchPictures("http://127.0.0.1:8080", [1, 2, 3, 999999], {
      slot: "thumbnail",
      fetch: fetchImpl,
    });
    expect(calls[0]?.search).toBe("?products=1,2,3,999999&slot=thumbnail");
    expect(got.slot).toBe("thumbnail");
    expect(got.sizes).toBe("150px");
    expect(got.missing).toEqual([999999]);
    expect(got.pictures.map((p) => p.productId)).toEqual([1, 2, 3]);
    for (const picture of got.pictures) {
      const v = picture.version;
      // imgedge answered relative URLs: made absolute against the base the page asked.
      const at = (size: string, format: string) =>
        `http://127.0.0.1:8080/img/${picture.productId}/${size}.${format}?v=${v}`;
      expect(picture.sources.map((s) => s.type)).toEqual(["image/avif", "image/webp"]);
      for (const [source, format] of [[picture.sources[0], "avif"], [picture.sources[1], "webp"]] as const) {
        expect(source?.srcset).toBe(`${at("thumbnail", format)} 150w, ${at("small", format)} 400w`);
      }
      expect(picture.srcset).toBe(`${at("thumbnail", "jpg")} 150w, ${at("small", "jpg")} 400w`);
      expect(picture.src).toBe(at("small", "jpg"));
      expect(picture.width).toBeGreaterThan(0);
      expect(picture.height).toBeGreaterThan(0);
      expect(picture.alt).not.toBe("");
      expect(picture.placeholder).toMatch(/^data:image\/webp;base64,/);
    }
  });

  it("keeps absolute URLs (a CDN's) and relative ones when the page is imgedge's own origin", () => {
    const cdn: Picture = {
      ...CARD,
      src: "https://cdn.example/img/1/small.jpg?v=a",
      srcset: "https://cdn.example/img/1/small.jpg?v=a 400w",
      sources: [{ type: "image/avif", srcset: "//cdn.example/img/1/small.avif?v=a 400w" }],
    };
    expect(resolvePicture(cdn, "http://imgedge.example")).toEqual(cdn);
    const relative: Picture = { ...CARD, src: "/img/1/small.jpg?v=a", srcset: "/img/1/small.jpg?v=a 400w" };
    expect(resolvePicture(relative, "")).toEqual(relative);
    expect(resolvePicture(relative, "http://imgedge.example/").srcset).toBe(
      "http://imgedge.example/img/1/small.jpg?v=a 400w",
    );
  });
});
