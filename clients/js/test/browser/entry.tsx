/**
 * The storefront pages of the browser proof (tests/browser/test_storefront_pages.py),
 * built with esbuild into one script with React. The page's `<main>` names what to show:
 * `data-page` (`listing`: a grid of 150 px tiles; `product`: a priority hero and related
 * tiles) and `data-pictures`, a JSON file holding real `/api/pictures` answers as imgedge
 * gave them: `tiles` (`slot=thumbnail`), `hero` (`slot=hero`, one of the tiles' products) and `baseUrl`, imgedge's origin, for the URLs the answers hold relative to it.
 */

import { createRoot } from "react-dom/client";
import { ProductImage } from "../../src/ProductImage.js";
import type { Picture, PicturesResponse } from "../../src/types.js";

interface PageData {
  tiles: PicturesResponse;
  hero: PicturesResponse;
  baseUrl: string;
}

/** `/img/...` URLs (an edge without IMGEDGE_PUBLIC_BASE_URL) made absolute: the page lives elsewhere. */
function resolved(picture: Picture, baseUrl: string): Picture {
  const at = (urls: string) => urls.replace(/(^|\s)\/img\//g, `$1${baseUrl}/img/`);
  return {
    ...picture,
    src: at(picture.src),
    srcset: at(picture.srcset),
    sources: picture.sources.map((source) => ({ ...source, srcset: at(source.srcset) })),
  };
}

interface TilesProps {
  answer: PicturesResponse;
  baseUrl: string;
  /** The hero's product, not repeated among its related tiles. */
  except?: number;
}

function Tiles({ answer, baseUrl, except }: TilesProps) {
  const shown = answer.pictures.filter((picture) => picture.productId !== except);
  return (
    <ul className="grid">
      {shown.map((picture) => (
        <li className="tile" key={picture.productId}>
          <ProductImage
            picture={resolved(picture, baseUrl)}
            slot={answer.slot}
            sizes={answer.sizes}
            className="tile-image"
          />
          <p className="name">{picture.alt}</p>
          <button type="button">Add to cart</button>
        </li>
      ))}
    </ul>
  );
}

function Page({ kind, data }: { kind: string; data: PageData }) {
  const { tiles, hero, baseUrl } = data;
  const shown = hero.pictures[0];
  if (kind !== "product") return <Tiles answer={tiles} baseUrl={baseUrl} />;
  if (shown === undefined) return <p>No product.</p>;
  return (
    <>
      <div className="hero">
        <ProductImage
          picture={resolved(shown, baseUrl)}
          slot={hero.slot}
          sizes={hero.sizes}
          priority
          className="hero-image"
        />
        <h1>{shown.alt}</h1>
        <p className="description">{"A fine product. ".repeat(120)}</p>
      </div>
      <h2>Related</h2>
      <Tiles answer={tiles} baseUrl={baseUrl} except={shown.productId} />
    </>
  );
}

async function main(): Promise<void> {
  const root = document.querySelector("main");
  if (root === null) return;
  const response = await fetch(root.dataset.pictures ?? "pictures.json");
  const data = (await response.json()) as PageData;
  createRoot(root).render(<Page kind={root.dataset.page ?? "listing"} data={data} />);
}

void main();
