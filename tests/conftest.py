"""Shared fixtures: settings on a temporary directory, opened services, an HTTP client."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest

from catalog.models import MatchOutcome, MatchStatus, QueueStatus, StoreProduct, SyncItem
from catalog.postgres import PostgresCatalog
from catalog.repository import CatalogRepository
from catalog.sqlite import SQLiteCatalog
from config import Settings
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.http.auth import ADMIN_TOKEN_META, hash_token, new_store_key
from edge.imaging.ingest import ingest_original
from edge.imaging.options import Limits
from edge.services import Services, open_services
from loadtests.private_redis import PrivateRedis
from tests.clients.package import installed_and_built
from tests.edge.application.receiver import receiver  # noqa: F401 (fixture)
from tests.needs import missing
from tests.s3_server import s3_server, s3_url  # noqa: F401 (fixtures)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings().replace(
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=f"file://{tmp_path}/cache",
        originals_url=f"file://{tmp_path}/originals",
        memory_cache_mb=32,
        disk_cache_mb=64,
        render_workers=2,
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


@pytest.fixture
async def client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        yield http


DEFAULT_PHOTO = PhotoSpec(1000, 800, (180, 40, 40), "box")


class CatalogBuilder:
    """Small helper to put products and images into a test catalog."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._n = 0

    async def image(self, owner: dict[str, int], spec: PhotoSpec, **kw):
        limits = Limits.from_settings(self.svc.settings)
        new = await ingest_original(self.svc.originals, photo(spec), limits, **owner, **kw)
        return await self.svc.catalog.add_image(new)

    async def store_key(self, name: str) -> str:
        """A new store with an API key; returns the key (its bearer token)."""
        key = new_store_key()
        await self.svc.catalog.create_store(name, hash_token(key))
        return key

    async def product(
        self, spec: PhotoSpec | None = DEFAULT_PHOTO, store: str = "S1"
    ) -> StoreProduct:
        """A store product linked to a new canonical product with one image (unless None)."""
        self._n += 1
        catalog = self.svc.catalog
        found = await catalog.get_store_by_name(store)
        owner = found or await catalog.create_store(store)
        canonical = await catalog.create_canonical_product(
            gtin=None, name=f"Product {self._n}", brand=None
        )
        product = await catalog.upsert_store_product(
            store_id=owner.id, external_id=f"x{self._n}", upc=None, gtin=None, name="p"
        )
        await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
        if spec is not None:
            await self.image({"canonical_product_id": canonical.id}, spec)
        got = await catalog.get_store_product(product.id)
        assert got is not None
        return got


@pytest.fixture
def build(services: Services) -> CatalogBuilder:
    return CatalogBuilder(services)


CURATOR_TOKEN = "curator-token-for-tests"


@pytest.fixture
async def curator(services: Services) -> dict[str, str]:
    """Headers carrying the curator token (stored hashed, as `imgedge demo` does)."""
    await services.catalog.set_meta(ADMIN_TOKEN_META, hash_token(CURATOR_TOKEN))
    return {"authorization": f"Bearer {CURATOR_TOKEN}"}


@pytest.fixture
async def review_queue(services, build, curator):
    """Mine: a product the matcher suggested for the oats; Theirs: one it sent to review
    (on a provisional canonical product of its own), recorded as the worker records."""
    catalog = services.catalog
    target = await catalog.create_canonical_product(
        gtin="00012345678905", name="Brightfield Rolled Oats 1 kg", brand="Brightfield"
    )
    image = await build.image(
        {"canonical_product_id": target.id}, PhotoSpec(400, 400, (9, 9, 9), "box")
    )
    shop = await catalog.create_store("Shop")
    shows = await catalog.upsert_store_product(
        store_id=shop.id, external_id="s1", upc=None, gtin=None, name="Oats"
    )
    await catalog.link_store_product(shows.id, target.id, MatchStatus.LINKED, 100.0)
    keys, stores, products = {}, {}, {}
    for name, product in (("Mine", "Brightfield Oats Rolled 1kg"), ("Theirs", "Mystery Hose")):
        keys[name] = new_store_key()
        stores[name] = await catalog.create_store(name, api_key_hash=hash_token(keys[name]))
        [synced] = await catalog.sync_products(
            stores[name].id, [SyncItem("x", None, None, product, brand="Brightfield")], known={}
        )
        products[name] = synced.product_id
    claimed = {i.store_product_id: i for i in await catalog.claim_matches(10, lease_s=60)}
    await catalog.finish_matches(
        [
            MatchOutcome(
                claimed[products["Mine"]], QueueStatus.SUGGESTED, None, 78.0, ((target.id, 78.0),)
            ),
            MatchOutcome(claimed[products["Theirs"]], QueueStatus.REVIEW, provisional=True),
        ]
    )
    return {
        "target": target,
        "image": image,
        "shows": shows.id,
        "keys": keys,
        "stores": stores,
        "products": products,
        "curator": curator,
    }


# Real backing services. In CI (CI=true) an unreachable server fails the run; elsewhere
# the tests that need it skip with the reason.

POSTGRES_URL = os.environ.get(
    "IMGEDGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("IMGEDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(what: str, url: str, exc: BaseException) -> None:
    missing(
        f"{what} not reachable at {url}: {exc!r}",
        f"; set IMGEDGE_TEST_{what.upper()}_URL to run these tests",
    )


def _database_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def _admin(*statements: str) -> None:
    """Run statements on the admin database, from sync or async fixtures alike."""

    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    _run_in_fresh_loop(run)


def _run_in_fresh_loop(coroutine_fn) -> None:
    # A thread of its own: a fixture may be set up while the test's loop is running.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine_fn()).result()


@contextmanager
def _scratch_database(kind: str, template: str | None = None) -> Iterator[str]:
    """A database of its own for this run (copied from `template`), dropped afterwards;
    yields its name. An unreachable server fails the run in CI and skips elsewhere."""
    try:
        _admin("SELECT 1")
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unavailable("postgres", POSTGRES_URL, exc)
    name = f"imgedge_{kind}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database, made once per run."""

    with _scratch_database("tpl") as name:

        async def migrate() -> None:
            from catalog.postgres import PostgresCatalog

            catalog = await PostgresCatalog.open(_database_url(name))
            try:
                await catalog.migrate()
            finally:
                await catalog.close()

        _run_in_fresh_loop(migrate)
        yield name


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """A fresh migrated database per test, copied from the template (fast)."""
    with _scratch_database("t", template=postgres_template) as name:
        yield _database_url(name)


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """An empty database (no migrations applied)."""
    with _scratch_database("e") as name:
        yield _database_url(name)


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(Redis URL, a key prefix of this test's own); the prefix's keys are removed after."""
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    async def ping() -> None:
        client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        _run_in_fresh_loop(ping)
    except (RedisError, OSError) as exc:
        _unavailable("redis", REDIS_URL, exc)
    prefix = f"imgedge-test:{uuid.uuid4().hex[:12]}:"

    async def clean() -> None:
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            keys = [key async for key in client.scan_iter(match=prefix + "*", count=500)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    try:
        yield REDIS_URL, prefix
    finally:
        _run_in_fresh_loop(clean)


# Every catalog backend, for suites that must hold on each (the repository contract, the
# matcher worker). PostgreSQL and SQLite; a new backend is one more factory here.
CatalogFactory = Callable[[pytest.FixtureRequest], Awaitable[CatalogRepository]]


async def _sqlite_catalog(request: pytest.FixtureRequest) -> CatalogRepository:
    tmp_path = request.getfixturevalue("tmp_path")
    return await SQLiteCatalog.open(f"sqlite:///{tmp_path}/contract.db")


async def _postgres_catalog(request: pytest.FixtureRequest) -> CatalogRepository:
    return await PostgresCatalog.open(request.getfixturevalue("postgres_url"))


CATALOG_BACKENDS: dict[str, CatalogFactory] = {
    "sqlite": _sqlite_catalog,
    "postgresql": _postgres_catalog,
}


@pytest.fixture(params=sorted(CATALOG_BACKENDS))
async def catalog(request: pytest.FixtureRequest) -> AsyncIterator[CatalogRepository]:
    repo = await CATALOG_BACKENDS[request.param](request)
    await repo.migrate()
    try:
        yield repo
    finally:
        await repo.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A `redis-server` of this test's own on a free port, which it may kill and restart
    (never the machine's shared one)."""
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def js_package() -> Path:
    """`clients/js` installed from its lock file and built (tests/clients/package.py)."""
    return installed_and_built()
