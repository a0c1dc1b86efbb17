/** `fetchPictures`: the pictures of many products from `GET /api/pictures`, 100 per call. */

import type { Picture, PicturesResponse, Slot } from "./types.js";
import { trimBase } from "./urls.js";

/** The most ids one `/api/pictures` call takes. */
export const MAX_IDS_PER_CALL = 100;

/** imgedge answered with an error (`{"error": {"code", "message"}}`) or not at all. */
export class ImgedgeError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(`imgedge ${status} ${code}: ${message}`);
    this.name = "ImgedgeError";
    this.status = status;
    this.code = code;
  }
}

export interface FetchPicturesOptions {
  slot?: Slot;
  sizes?: string;
  /** Another fetch (a server's, a test's); defaults to the global one. */
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

function checkIds(ids: readonly number[]): number[] {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new TypeError(`product ids are positive integers, not ${String(id)}`);
    }
  }
  return [...new Set(ids)];
}

async function errorOf(response: Response): Promise<ImgedgeError> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    if (typeof code === "string" && typeof message === "string") {
      return new ImgedgeError(response.status, code, message);
    }
  } catch {
    // Not imgedge's JSON (a proxy's error page): fall through.
  }
  return new ImgedgeError(response.status, "http_error", response.statusText || "no message");
}

/**
 * A picture whose URLs are relative (imgedge without `IMGEDGE_PUBLIC_BASE_URL`) made
 * absolute against `baseUrl`, so a page on another host loads them from imgedge and not
 * from itself. Absolute URLs (a CDN's) are kept as they are.
 */
export function resolvePicture(picture: Picture, baseUrl: string): Picture {
  const base = trimBase(baseUrl);
  if (base === "") return picture;
  const url = (u: string): string => (u.startsWith("/") && !u.startsWith("//") ? base + u : u);
  const srcset = (set: string): string =>
    set
      .split(", ")
      .map((candidate) => {
        const [u = "", ...descriptor] = candidate.split(" ");
        return [url(u), ...descriptor].join(" ");
      })
      .join(", ");
  return {
    ...picture,
    sources: picture.sources.map((source) => ({ ...source, srcset: srcset(source.srcset) })),
    src: url(picture.src),
    srcset: srcset(picture.srcset),
  };
}

/**
 * The pictures of `ids` (repeats asked once) for a slot, in the order imgedge answers
 * them, with the ids that show no image in `missing`. More than 100 ids are split into
 * calls of 100, made at once; any failed call fails the whole (an `ImgedgeError`).
 */
export async function fetchPictures(
  baseUrl: string,
  ids: readonly number[],
  { slot = "card", sizes, fetch: fetchImpl = globalThis.fetch, signal }: FetchPicturesOptions = {},
): Promise<PicturesResponse> {
  const unique = checkIds(ids);
  const batches: number[][] = [];
  for (let i = 0; i < unique.length; i += MAX_IDS_PER_CALL) {
    batches.push(unique.slice(i, i + MAX_IDS_PER_CALL));
  }
  const answers = await Promise.all(
    batches.map(async (batch) => {
      // Commas left as they are: one spelling of a page's URL, one CDN cache entry.
      let query = `products=${batch.join(",")}&slot=${slot}`;
      if (sizes !== undefined) query += `&sizes=${encodeURIComponent(sizes)}`;
      const url = `${trimBase(baseUrl)}/api/pictures?${query}`;
      const response = await fetchImpl(url, { headers: { accept: "application/json" }, signal });
      if (!response.ok) throw await errorOf(response);
      return (await response.json()) as PicturesResponse;
    }),
  );
  return {
    slot,
    sizes: answers[0]?.sizes ?? sizes ?? "",
    pictures: answers.flatMap((answer) => answer.pictures.map((p) => resolvePicture(p, baseUrl))),
    missing: answers.flatMap((answer) => answer.missing),
  };
}
