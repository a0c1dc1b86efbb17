"""`deploy/nginx/imgedge.conf` in a real nginx in front of a real `imgedge serve` with a
demo catalog: repeats are cache hits, `Vary: Accept` only on negotiated URLs (and one
cache entry per Accept class, not per spelling), `If-None-Match` answered 304 from the
cache, and a new primary image fetched anew under its new `?v=` while the old version
stays cached. The picture markup is cached briefly; the authenticated API never."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from edge.demo.photos import PhotoSpec, photo
from loadtests.private_edge import EdgeProcess, edge_env, seed_demo
from loadtests.private_nginx import PrivateNginx, nginx_binary
from loadtests.processes import wait_for_port
from tests.needs import missing

TOKEN = "nginx-recipe-curator-token"
CURATOR = {"authorization": f"Bearer {TOKEN}"}
CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
FIREFOX = "image/avif,image/webp,*/*"
SAFARI_15 = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
NO_AVIF = "image/avif;q=0,image/webp,*/*"


@dataclass
class Proxied:
    http: httpx.Client  # to nginx
    edge: EdgeProcess
    products: list[int]


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    if nginx_binary() is None:
        missing("nginx is not installed", " (apt-get install nginx-light)")
    root = tmp_path_factory.mktemp("nginx-recipe")
    env = edge_env(
        database_url=f"sqlite:///{root}/catalog.db",
        cache_url=f"file://{root}/cache",
        originals_url=f"file://{root}/originals",
        admin_token=TOKEN,
        render_workers="2",
    )
    seed_demo(env, products=3, log=root / "demo.log")
    edge = EdgeProcess(env, root / "edge.log")
    nginx = PrivateNginx(root / "nginx", upstream=f"127.0.0.1:{edge.port}")
    edge.start()
    try:
        assert edge.proc is not None
        wait_for_port(edge.port, edge.proc, what="imgedge serve", timeout_s=30)
        nginx.start()
        with httpx.Client(base_url=nginx.url, timeout=30) as http:
            ids = [p["id"] for p in _products(http)]
            yield Proxied(http, edge, ids)
    finally:
        nginx.stop()
        edge.stop()


def _products(http: httpx.Client) -> list[dict]:
    shown = []
    for product_id in range(1, 20):
        answer = http.get(f"/api/products/{product_id}", headers=CURATOR)
        if answer.status_code == 200 and answer.json()["image"] is not None:
            shown.append(answer.json())
    assert len(shown) >= 3
    return shown


def _version(http: httpx.Client, product_id: int) -> str:
    answer = http.get(f"/api/products/{product_id}", headers=CURATOR)
    assert answer.status_code == 200
    assert "x-cache-status" not in answer.headers  # never through the cache
    return str(answer.json()["image"]["version"])


def get(http: httpx.Client, path: str, accept: str = CHROME, **headers: str) -> httpx.Response:
    return http.get(path, headers={"accept": accept, **headers})


def test_a_versioned_url_naming_its_format_is_one_entry_for_every_browser(proxied):
    http, product = proxied.http, proxied.products[0]
    url = f"/img/{product}/small.webp?v={_version(http, product)}"
    first = get(http, url)
    assert first.status_code == 200
    assert first.headers["x-cache-status"] == "MISS"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "vary" not in first.headers
    for accept in (CHROME, SAFARI_15, "*/*"):
        again = get(http, url, accept)
        assert again.headers["x-cache-status"] == "HIT", accept
        assert again.content == first.content
        assert "vary" not in again.headers
    # Other query arguments are not part of the key: they cannot mint entries.
    assert get(http, url + "&bust=1").headers["x-cache-status"] == "HIT"


def test_a_negotiated_url_is_one_entry_per_accept_class_with_vary(proxied):
    http, product = proxied.http, proxied.products[1]
    url = f"/img/{product}/thumbnail?v={_version(http, product)}"
    expected = {CHROME: "image/avif", SAFARI_15: "image/webp", "*/*": "image/jpeg"}
    for accept, media_type in expected.items():
        first = get(http, url, accept)
        assert first.headers["x-cache-status"] == "MISS", accept
        assert first.headers["content-type"] == media_type
        assert first.headers["vary"] == "Accept"
        again = get(http, url, accept)
        assert again.headers["x-cache-status"] == "HIT", accept
        assert again.headers["vary"] == "Accept"
        assert again.content == first.content
    # Another spelling of a class shares its entry (and its bytes).
    firefox = get(http, url, FIREFOX)
    assert (firefox.headers["x-cache-status"], firefox.headers["content-type"]) == (
        "HIT",
        "image/avif",
    )
    # AVIF refused with q=0 is not the AVIF class.
    refused = get(http, url, NO_AVIF)
    assert (refused.headers["x-cache-status"], refused.headers["content-type"]) == (
        "HIT",
        "image/webp",
    )


def test_if_none_match_is_answered_304_from_the_cache(proxied):
    http, product = proxied.http, proxied.products[0]
    for url in (f"/img/{product}/medium.jpg?v={_version(http, product)}", f"/img/{product}/small"):
        first = get(http, url)
        etag = first.headers["etag"]
        assert etag.startswith('"')  # strong
        cached = get(http, url, **{"if-none-match": etag})
        assert cached.status_code == 304, url
        assert cached.headers["x-cache-status"] == "HIT"
        assert cached.headers["etag"] == etag
        assert cached.content == b""
        other = get(http, url, **{"if-none-match": '"something-else"'})
        assert other.status_code == 200
        assert other.content == first.content


def test_a_new_primary_is_fetched_under_its_new_version_and_the_old_stays_cached(proxied):
    http, product = proxied.http, proxied.products[2]
    old = _version(http, product)
    old_url = f"/img/{product}/small.webp?v={old}"
    before = get(http, old_url)
    assert get(http, old_url).headers["x-cache-status"] == "HIT"

    canonical = http.get(f"/api/products/{product}", headers=CURATOR).json()
    new_photo = photo(PhotoSpec(900, 900, (20, 160, 60), "bottle"), seed=99)
    uploaded = http.post(
        "/api/images/upload",
        headers=CURATOR,
        data={"canonicalProductId": str(canonical["canonical_product_id"]), "isPrimary": "true"},
        files={"file": ("new.jpg", new_photo, "image/jpeg")},
    )
    assert uploaded.status_code == 201, uploaded.text
    new = _version(http, product)
    assert new != old

    new_url = f"/img/{product}/small.webp?v={new}"
    fresh = get(http, new_url)
    assert fresh.status_code == 200
    assert fresh.headers["x-cache-status"] == "MISS"  # fetched anew from the edge
    assert fresh.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert fresh.content != before.content
    assert get(http, new_url).headers["x-cache-status"] == "HIT"
    # The old URL stays cached: pages still holding it keep their image.
    stale = get(http, old_url)
    assert (stale.headers["x-cache-status"], stale.content) == ("HIT", before.content)


def test_picture_markup_is_cached_briefly_and_the_private_api_never(proxied):
    http, product = proxied.http, proxied.products[0]
    markup = http.get(f"/api/products/{product}/picture")
    assert markup.status_code == 200
    assert markup.headers["x-cache-status"] in ("MISS", "EXPIRED")
    assert "immutable" not in markup.headers["cache-control"]
    assert http.get(f"/api/products/{product}/picture").headers["x-cache-status"] == "HIT"
    # With a token it goes to the edge every time and is not stored.
    signed = http.get(f"/api/products/{product}/picture", headers=CURATOR)
    assert signed.headers["x-cache-status"] == "BYPASS"
    for _ in range(2):
        assert "x-cache-status" not in http.get(f"/api/products/{product}", headers=CURATOR).headers
