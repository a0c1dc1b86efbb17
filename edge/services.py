"""The running edge's parts, opened once at start-up and passed explicitly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial

from catalog import CatalogRepository, open_catalog
from config import Settings
from config.presets import Preset
from config.settings import MIB, SettingsError, env_name
from edge.application.images import Images
from edge.application.originals import OriginalsKeeper
from edge.application.pictures import Pictures
from edge.application.products import Products
from edge.application.resolution import Resolver
from edge.application.review import Review
from edge.application.stats import Stats
from edge.application.stores import Stores
from edge.application.sync import Sync
from edge.application.webhooks import Deliveries, StoreEndpoints, WebhookPolicy, Webhooks
from edge.errors import BadRequest
from edge.heap import HeapCeiling
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits, RenderPolicy
from edge.imaging.sizes import SizeRequest, parse_size_segment
from edge.imaging.variants import Variants
from edge.remote.fetch import FetchPolicy, fetch_image
from edge.remote.post import post_json
from edge.storage.cache import TieredCache, open_cache
from edge.storage.originals import OriginalsStore, check_originals, open_originals
from matcher.service import MatchService


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    catalog: CatalogRepository
    originals: OriginalsStore
    cache: TieredCache
    resolver: Resolver
    variants: Variants
    images: Images  # the image management use cases
    sync: Sync  # stores' sync pushes
    review: Review  # review of uncertain matches
    matcher: MatchService  # the matching decisions, shared with the worker
    keeper: OriginalsKeeper  # originals in step with the rows that reference them
    products: Products  # finding store products
    stores: Stores  # stores and their API keys (the curator's)
    stats: Stats  # the dashboard's figures
    pictures: Pictures  # the pictures a page of products shows
    presets: dict[str, Preset]  # IMGEDGE_PRESETS, parsed once
    webhooks: Webhooks | None = None  # change notifications; None while they are off
    heap: HeapCeiling | None = None  # checked after each render (edge/heap.py)

    @property
    def deliveries(self) -> Deliveries:
        """Webhook deliveries as stored (readable whether or not webhooks are on now)."""
        return Deliveries(self.catalog)

    @property
    def store_endpoints(self) -> StoreEndpoints:
        """Stores' own webhook endpoints (`IMGEDGE_STORE_WEBHOOKS`)."""
        hooks = self.settings.webhooks
        return StoreEndpoints(self.catalog, hooks.stores, hooks.store_host_set)


@asynccontextmanager
async def open_services(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Services]:
    async with AsyncExitStack() as stack:
        catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
        stack.push_async_callback(catalog.close)
        if migrate:
            await catalog.migrate()
        cache = await open_cache(settings.cache)
        stack.push_async_callback(cache.close)
        originals = open_originals(settings.originals_url, timeout_s=settings.originals_timeout_s)
        await check_originals(originals, env_name("originals_url"))
        heap = heap_ceiling(settings)
        variants = Variants(
            cache,
            originals,
            EncodeOptions.from_settings(settings),
            Limits.from_settings(settings),
            RenderPolicy.from_settings(settings),
            warm=warm_variants(settings),
            after_render=heap.check,
        )
        stack.callback(variants.close)
        resolver = Resolver(
            catalog,
            settings.server.resolution_ttl_s,
            settings.server.resolution_cache_size,
            stale_s=settings.server.resolution_stale_s,
            version_grace_s=settings.server.version_grace_s,
        )
        await catalog.listen(resolver.apply)
        fetch_remote = partial(fetch_image, policy=FetchPolicy.from_settings(settings))
        keeper = OriginalsKeeper(originals, catalog, settings.uploads.originals_grace_s)
        images = Images(
            catalog, keeper, Limits.from_settings(settings), fetch_remote, added=variants.warm
        )
        matcher = MatchService.from_settings(catalog, settings)
        sync = Sync(catalog, settings.server.gtin_map_size)
        await catalog.listen(sync.apply)  # a merged-away canonical product leaves the map
        webhooks = open_webhooks(settings, catalog)
        if webhooks is not None:
            await catalog.listen(webhooks.wake)
        yield Services(
            settings,
            catalog,
            originals,
            cache,
            resolver,
            variants,
            images,
            sync,
            Review(catalog, matcher, keeper),
            matcher,
            keeper,
            Products(catalog),
            Stores(catalog),
            Stats(catalog),
            Pictures(resolver, catalog),
            settings.render.preset_map,
            webhooks,
            heap,
        )


def heap_ceiling(settings: Settings) -> HeapCeiling:
    """RSS past this process's current one + its memory tier + its render budget returns
    the heap glibc keeps (`edge/heap.py`)."""
    return HeapCeiling.above_now(
        settings.cache.memory_mb * MIB + settings.render.memory_budget_bytes
    )


def open_webhooks(settings: Settings, catalog: CatalogRepository) -> Webhooks | None:
    """With a webhook URL set, the catalog records changes with the writes that make them
    (this process's, the worker's too: it opens its catalog the same way) and `Webhooks`
    sends the events; None while webhooks are off."""
    policy = WebhookPolicy.from_settings(settings)
    catalog.record_changes(policy is not None)
    if policy is None:
        return None
    send = partial(post_json, timeout_s=settings.webhooks.timeout_s)
    return Webhooks(catalog, policy, send, settings.server.url_base)


def warm_variants(settings: Settings) -> list[tuple[SizeRequest, Format]]:
    """IMGEDGE_WARM_VARIANTS as (size, format) pairs; an unknown size stops the start."""
    warm = []
    for segment in settings.render.warm_segments:
        try:
            size = parse_size_segment(segment, settings.render.preset_map)
        except BadRequest as exc:
            raise SettingsError(f"{env_name('warm_variants')}: {exc.message}") from None
        assert size.fmt is not None  # the setting's own check asks for a format
        warm.append((size, size.fmt))
    return warm
