"""Managing a product's images: the use cases behind the image API and the console.

Each use case takes the actor, checks what it may do (`edge.application.actors`), changes
the catalog and returns what the product shows afterwards. Nothing here invalidates the
resolution cache: the catalog tells its listeners when a change commits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

import anyio

from catalog import CatalogRepository
from catalog.models import MAX_SORT_ORDER, ImageOwner, ImageSource, ProductImage, StoreProduct
from catalog.repository import CatalogError, ConflictError, NotFoundError
from edge.application.actors import Actor, visible_product
from edge.application.originals import OriginalsKeeper
from edge.errors import BadGateway, BadRequest, Conflict, EdgeError, NotFound, SourceRejected
from edge.imaging.ingest import Examined, examine_off_loop
from edge.imaging.options import Limits
from edge.remote.errors import RemoteFetchError

log = logging.getLogger("imgedge")

# Refusals of a remote image URL by policy are the store's to fix (422); the others are
# the remote host's (502).
_POLICY_CODES = frozenset({"bad_url", "host_not_allowed", "address_not_public"})


@dataclass(frozen=True, slots=True)
class ShownImages:
    """A product and the images it shows (custom or canonical), primary first.

    `complete` False: a change committed but the catalog could not be read back, so
    `images` holds only what the change itself returned (asking again tells the rest)."""

    product: StoreProduct
    images: list[ProductImage]
    complete: bool = True

    @property
    def source(self) -> ImageSource | None:
        return self.images[0].source if self.images else None


@dataclass(frozen=True, slots=True)
class Gallery:
    """Both image sets of a product, each primary first, and which one `/img` shows."""

    product: StoreProduct
    custom: list[ProductImage]  # its store's own images
    canonical: list[ProductImage]  # its canonical product's (none when unlinked)
    shown: ImageSource | None  # the set the storefront shows from; None: no image


@dataclass(frozen=True, slots=True)
class Uploaded:
    image: ProductImage
    created: bool  # False: the owner already had these bytes


class Images:
    def __init__(
        self,
        catalog: CatalogRepository,
        originals: OriginalsKeeper,
        limits: Limits,
        fetch_remote: Callable[[str], Awaitable[bytes]],
        *,
        added: Callable[[Sequence[ProductImage]], None] = lambda images: None,
    ) -> None:
        self._catalog = catalog
        self._originals = originals
        self._limits = limits
        self._fetch_remote = fetch_remote
        self._added = added  # told of images just attached (the edge warms their variants)

    # Reading

    async def product(self, actor: Actor, product_id: int) -> StoreProduct:
        """The product, if it exists and this actor may see it."""
        return await visible_product(self._catalog, actor, product_id)

    async def shown(self, actor: Actor, product_id: int) -> ShownImages:
        return await self._shown(await self.product(actor, product_id))

    async def gallery(self, actor: Actor, product_id: int) -> Gallery:
        """Both sets, for the console's product page; which is shown is the resolution's."""
        product = await self.product(actor, product_id)
        custom = await self._catalog.list_images(ImageOwner(store_product_id=product.id))
        canonical: list[ProductImage] = []
        if product.canonical_product_id is not None:
            owner = ImageOwner(canonical_product_id=product.canonical_product_id)
            canonical = await self._catalog.list_images(owner)
        resolution = await self._catalog.resolve(product.id)
        shown = resolution.image if resolution is not None else None
        return Gallery(product, custom, canonical, shown.source if shown else None)

    async def image(self, actor: Actor, product_id: int, image_id: int) -> ProductImage:
        """One image of the product's or of its canonical product's, if the actor may see
        the product."""
        return await self._image_of(await self.product(actor, product_id), image_id)

    async def _shown(self, product: StoreProduct) -> ShownImages:
        """The images `/img` chooses from. Which set that is (custom or canonical) is the
        catalog's resolution rule, asked here rather than restated, so they agree."""
        resolution = await self._catalog.resolve(product.id)
        shown = resolution.image if resolution is not None else None
        if resolution is None or shown is None:
            return ShownImages(product, [])
        if shown.source is ImageSource.CUSTOM:
            owner = ImageOwner(store_product_id=product.id)
        else:
            owner = ImageOwner(canonical_product_id=resolution.canonical_product_id)
        return ShownImages(product, await self._catalog.list_images(owner))

    async def _after_change(self, product_id: int, known: ShownImages) -> ShownImages:
        """What the product shows now (read again: its override may have moved).

        The change has committed: an error now would tell the client it failed, and a
        retry would repeat it. So when the catalog fails the read-back, the answer is what
        the change itself returned (`known`, incomplete), not a 503."""
        try:
            product = await self._catalog.get_store_product(product_id)
            if product is not None:
                return await self._shown(product)
        except CatalogError as exc:
            log.warning("product %d changed, but could not be read back: %s", product_id, exc)
            return replace(known, complete=False)
        raise NotFound(f"no product {product_id}", code="product_not_found")  # deleted meanwhile

    async def _image_of(self, product: StoreProduct, image_id: int) -> ProductImage:
        """One of the product's own images or of its canonical product's."""
        image = await self._catalog.get_image(image_id)
        belongs = image is not None and (
            image.store_product_id == product.id
            or (
                image.canonical_product_id is not None
                and image.canonical_product_id == product.canonical_product_id
            )
        )
        if image is None or not belongs:
            raise NotFound(f"product {product.id} has no image {image_id}", code="image_not_found")
        return image

    # Changing

    async def set_primary(self, actor: Actor, product_id: int, image_id: int) -> ShownImages:
        product = await self.product(actor, product_id)
        image = await self._image_of(product, image_id)
        actor.check_owner(image.owner)
        primary = await self._catalog.set_primary_image(image.id)
        return await self._after_change(product.id, ShownImages(product, [primary]))

    async def reorder(
        self,
        actor: Actor,
        product_id: int,
        image_ids: Sequence[int],
        source: ImageSource | None = None,
    ) -> ShownImages:
        """Order the shown set (or the product's `source` set): the full list, once each."""
        shown = await self.shown(actor, product_id)
        owner = _reorder_owner(shown, source)
        actor.check_owner(owner)
        try:
            ordered = await self._catalog.reorder_images(owner, image_ids)
        except ConflictError:
            raise BadRequest(
                "imageIds must name each of the images once, and only those",
                code="invalid_order",
            ) from None
        # What the change returned, if it was the shown set that moved; else as it was.
        now = ordered if shown.images and shown.images[0].owner == owner else shown.images
        return await self._after_change(product_id, ShownImages(shown.product, now))

    async def use_custom_image(
        self, actor: Actor, product_id: int, image_url: str | None = None
    ) -> ShownImages:
        """Turn the override on; with a URL (or, lacking custom images, the product's synced
        `image_url`) the image is fetched and attached first."""
        product = await self.product(actor, product_id)
        url = image_url
        if url is None:
            own = await self._catalog.list_images(ImageOwner(store_product_id=product.id))
            if not own:
                url = product.image_url
                if url is None:
                    raise Conflict(
                        "the product has no custom image: upload one or give image_url",
                        code="no_custom_image",
                    )
        if url is None:
            await self._catalog.set_use_custom_image(product.id, True)
            attached = []
        else:  # the image and the override in one transaction
            attached = [await self.attach_from_url(product.id, url)]
        changed = replace(product, use_custom_image=True)
        if attached:
            changed = replace(changed, image_fetch_error=None)
        return await self._after_change(product.id, ShownImages(changed, attached))

    async def use_canonical_image(self, actor: Actor, product_id: int) -> ShownImages:
        product = await self.product(actor, product_id)
        await self._catalog.set_use_custom_image(product.id, False)
        changed = replace(product, use_custom_image=False)
        return await self._after_change(product.id, ShownImages(changed, []))

    async def delete(self, actor: Actor, product_id: int, image_id: int) -> ShownImages:
        """Remove one image (the next becomes primary); its original leaves storage only
        when no image references its bytes any more."""
        product = await self.product(actor, product_id)
        image = await self._image_of(product, image_id)
        actor.check_owner(image.owner)
        try:
            _, still_used = await self._catalog.delete_image(image.id)
        except NotFoundError:  # deleted by a concurrent request
            raise NotFound(f"no image {image.id}", code="image_not_found") from None
        if not still_used:  # asked again by the removal itself: an upload may race it
            await self._originals.release([image.content_hash])
        return await self._after_change(product.id, ShownImages(product, []))

    # Adding

    async def upload_owner(
        self, actor: Actor, *, canonical_id: int | None, product_id: int | None
    ) -> ImageOwner:
        """Whose images an upload adds to; checked before any file is examined."""
        if (canonical_id is None) == (product_id is None):
            raise BadRequest(
                "give exactly one of canonicalProductId and productId", code="invalid_owner"
            )
        if canonical_id is not None:
            owner = ImageOwner(canonical_product_id=canonical_id)
            actor.check_owner(owner)
            if await self._catalog.get_canonical_product(canonical_id) is None:
                raise NotFound(f"no canonical product {canonical_id}", code="canonical_not_found")
            return owner
        assert product_id is not None
        product = await self.product(actor, product_id)
        return ImageOwner(store_product_id=product.id)

    async def upload(
        self,
        owner: ImageOwner,
        files: Sequence[bytes],
        *,
        is_primary: bool = False,
        sort_order: int | None = None,
    ) -> list[Uploaded]:
        """All files or none: every one is examined first (a bad one stores nothing), then
        their originals are stored and attached in one transaction. `is_primary` and
        `sort_order` apply to the first file; the rest follow. A store's own upload turns
        the product's override on: that is what it is for."""
        if sort_order is not None and not 0 <= sort_order <= MAX_SORT_ORDER - len(files) + 1:
            raise BadRequest(
                f"sortOrder must be from 0 to {MAX_SORT_ORDER}, its last file's included",
                code="invalid_field",
            )
        examined = [await examine_off_loop(data, self._limits) for data in files]
        added = await self._attach(
            owner,
            examined,
            is_primary=is_primary,
            sort_order=sort_order,
            use_custom_image=owner.store_product_id,
        )
        return [Uploaded(image, created) for image, created in added]

    async def _attach(
        self,
        owner: ImageOwner,
        examined: Sequence[Examined],
        *,
        is_primary: bool,
        sort_order: int | None = None,
        use_custom_image: int | None = None,
    ) -> list[tuple[ProductImage, bool]]:
        """Store the originals (again, if a row's file was lost), then attach them all in
        one transaction; when that fails, what this call stored and nothing references
        is removed. Bytes the owner has already come back as its existing image."""
        new = [
            item.new_image(
                owner,
                is_primary=is_primary and n == 0,
                sort_order=None if sort_order is None else sort_order + n,
            )
            for n, item in enumerate(examined)
        ]
        # Each distinct original once: a second put would look like someone else's.
        stored = await self._originals.put_all(
            {item.content_hash: item.data for item in examined}.values()
        )
        try:
            try:
                added = await self._catalog.add_images(new, use_custom_image=use_custom_image)
            except ConflictError:  # a concurrent upload attached some of the same bytes
                added = await self._catalog.add_images(new, use_custom_image=use_custom_image)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._originals.forget(stored)
            raise
        self._added([image for image, _ in added])
        return added

    async def attach_from_url(self, product_id: int, url: str) -> ProductImage:
        """Fetch `url` (SSRF-guarded), attach it as the product's primary custom image and
        turn its override on, in one transaction.

        A failure is recorded on the product, which keeps showing what it showed."""
        try:
            data = await self._fetch_remote(url)
            examined: Examined = await examine_off_loop(data, self._limits)
        except RemoteFetchError as exc:
            await self._record_fetch_error(product_id, f"{exc.code}: {exc.message}")
            cls = SourceRejected if exc.code in _POLICY_CODES else BadGateway
            raise cls(f"image_url not used: {exc.message}", code=f"image_url_{exc.code}") from None
        except EdgeError as exc:  # fetched, but not an acceptable image
            await self._record_fetch_error(product_id, f"{exc.code}: {exc.message}")
            raise
        [(image, _)] = await self._attach(
            ImageOwner(store_product_id=product_id),
            [examined],
            is_primary=True,
            use_custom_image=product_id,
        )
        try:  # after the commit: a stale note of an earlier failure must not fail it
            await self._catalog.set_image_fetch_error(product_id, None)
        except CatalogError as exc:
            log.warning("product %d: image_url attached, old error kept: %s", product_id, exc)
        return image

    async def _record_fetch_error(self, product_id: int, reason: str) -> None:
        log.info("image_url of product %d not used: %s", product_id, reason)
        await self._catalog.set_image_fetch_error(product_id, reason)


def _reorder_owner(shown: ShownImages, source: ImageSource | None) -> ImageOwner:
    product = shown.product
    if source is None:
        if not shown.images:
            raise Conflict("the product shows no images to order", code="no_images")
        return shown.images[0].owner
    if source is ImageSource.CUSTOM:
        return ImageOwner(store_product_id=product.id)
    if product.canonical_product_id is None:
        raise BadRequest(
            "source must be custom or canonical (of a linked product)", code="invalid_field"
        )
    return ImageOwner(canonical_product_id=product.canonical_product_id)
