/**
 * The storefront pages of the browser proof (tests/clients/test_storefront_browser.py),
 * built with esbuild into one script with React. The page's `<main>` names what to show:
 * `data-page` (`listing`: a grid of 150 px tiles; `product`: a priority hero and related
 * tiles) and `data-pictures`, a JSON file holding either an `/api/pictures` answer
 * (`{"pictures": [...]}`) or products as the products API describes them
 * (`{"products": [...], "baseUrl": "..."}`).
 */

import { createRoot } from "react-dom/client";
import { ProductImage } from "../../src/ProductImage.js";
import type { Picture, ProductLike } from "../../src/types.js";

interface PageData {
  pictures?: Picture[];
  products?: ProductLike[];
  baseUrl?: string;
}

type Item = { key: number; name: string; props: { picture?: Picture; product?: ProductLike } };

function items(data: PageData): Item[] {
  if (data.pictures) {
    return data.pictures.map((p) => ({ key: p.productId, name: p.alt, props: { picture: p } }));
  }
  return (data.products ?? []).map((p) => ({ key: p.id, name: p.name, props: { product: p } }));
}

function Tile({ item, baseUrl }: { item: Item; baseUrl: string }) {
  return (
    <li className="tile">
      <ProductImage {...item.props} baseUrl={baseUrl} slot="thumbnail" className="tile-image" />
      <p className="name">{item.name}</p>
      <button type="button">Add to cart</button>
    </li>
  );
}

function Page({ kind, data }: { kind: string; data: PageData }) {
  const all = items(data);
  const baseUrl = data.baseUrl ?? "";
  const tiles = (list: Item[]) => (
    <ul className="grid">
      {list.map((item) => (
        <Tile key={item.key} item={item} baseUrl={baseUrl} />
      ))}
    </ul>
  );
  if (kind === "product") {
    const [hero, ...related] = all;
    if (hero === undefined) return <p>No product.</p>;
    return (
      <>
        <div className="hero">
          <ProductImage
            {...hero.props}
            baseUrl={baseUrl}
            slot="hero"
            sizes="(max-width: 800px) 100vw, 800px"
            priority
            className="hero-image"
          />
          <h1>{hero.name}</h1>
          <p className="description">{"A fine product. ".repeat(120)}</p>
        </div>
        <h2>Related</h2>
        {tiles(related)}
      </>
    );
  }
  return tiles(all);
}

async function main(): Promise<void> {
  const root = document.querySelector("main");
  if (root === null) return;
  const response = await fetch(root.dataset.pictures ?? "pictures.json");
  const data = (await response.json()) as PageData;
  createRoot(root).render(<Page kind={root.dataset.page ?? "listing"} data={data} />);
}

void main();
