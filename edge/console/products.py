"""The console's Products and Product pages: a paged search, and one product's gallery.

Routes parse the form, call the application's use cases (`edge.application.products`,
`edge.application.images`: the same rules as the API, enforced by the same code) and
render or redirect. Every change is a POST carrying the session's CSRF token; after it,
a 303 back to the product page shows the new state (a script's `fetch` follows it and
swaps the gallery in). Uploads answer JSON when asked (`Accept: application/json`, one
file per request from `product.js`), so each file's error comes back on its own.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from catalog.models import ImageSource, ProductImage, ResolvedImage
from edge.application.actors import Actor
from edge.application.images import Gallery
from edge.console.forms import read_form
from edge.console.pages import page, render
from edge.console.session import check_csrf, console_actor
from edge.errors import BadRequest, EdgeError, Forbidden, NotFound
from edge.http import payloads
from edge.http.bodies import MAX_URL, ErrorBody, ErrorDetail
from edge.http.encoding import json_response
from edge.http.ids import parse_id
from edge.http.product_search import IMAGES, STATUSES, parse_product_search
from edge.http.routes import parse_product_id, services
from edge.http.routes.uploads import read_upload_files, read_upload_form, upload_files
from edge.http.text import printable_problem
from edge.imaging.negotiation import choose_format
from edge.imaging.sizes import SIZES, RenderBox
from edge.imaging.urls import img_url

PRODUCTS = "/console/products"
_FILTERS = ("q", "store", "status", "image")


# --- reading ---------------------------------------------------------------------------


async def products_page(request: Request) -> Response:
    actor = await console_actor(request)
    search, number = parse_product_search(request.query_params)
    listing = await services(request).products.search(actor, search, number)
    asked = {k: request.query_params.get(k, "") for k in _FILTERS}
    kept = {k: v for k, v in asked.items() if v}

    def page_url(n: int | None) -> str | None:
        return None if n is None else f"{PRODUCTS}?{urlencode({**kept, 'page': n})}"

    context = {
        "listing": listing,
        "asked": asked,
        "statuses": STATUSES,
        "images": IMAGES,
        "previous_url": page_url(listing.previous_page),
        "next_url": page_url(listing.next_page),
    }
    return await render(request, "products.html", context)


def storefront_urls(product_id: int, version: str) -> list[tuple[str, str]]:
    """Relative on purpose: the console's CSP loads images from itself only."""
    return [(size, img_url("", product_id, size, version)) for size in SIZES]


async def _product_page(
    request: Request, product_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    actor = await console_actor(request)
    gallery = await services(request).images.gallery(actor, product_id)
    shown = {ImageSource.CUSTOM: gallery.custom, ImageSource.CANONICAL: gallery.canonical}
    primary = shown[gallery.shown][0] if gallery.shown is not None else None
    context = {
        "gallery": gallery,
        "product": gallery.product,
        "sets": _sets(actor, gallery),
        "primary": primary,
        "storefront": storefront_urls(product_id, primary.version) if primary else [],
        "error": error,
    }
    return await render(request, "product.html", context, status)


def _sets(actor: Actor, gallery: Gallery) -> list[dict[str, object]]:
    """The custom and (for a linked product) canonical image sets, as the page lists them,
    with whether this actor may change each (the use cases check it again)."""
    sets: list[dict[str, object]] = [
        {
            "source": "custom",
            "title": "The store's own images",
            "images": gallery.custom,
            "in_use": gallery.shown is ImageSource.CUSTOM,
            "may_change": actor.may_change(gallery.product.store_id),
        }
    ]
    if gallery.product.canonical_product_id is not None:
        sets.append(
            {
                "source": "canonical",
                "title": f"Canonical product {gallery.product.canonical_product_id}'s images",
                "images": gallery.canonical,
                "in_use": gallery.shown is ImageSource.CANONICAL,
                "may_change": actor.is_curator,
            }
        )
    return sets


async def product_page(request: Request) -> Response:
    return await _product_page(request, parse_product_id(request.path_params["product"]))


def _ids(request: Request) -> tuple[int, int]:
    product_id = parse_product_id(request.path_params["product"])
    return product_id, parse_id(request.path_params["image"], "image id")


async def image_thumbnail(request: Request) -> Response:
    """A gallery image's thumbnail, shown or not (the storefront's `/img` serves only the
    set a product shows); private to whoever may see the product."""
    product_id, image_id = _ids(request)
    svc = services(request)
    image = await svc.images.image(await console_actor(request), product_id, image_id)
    resolved = ResolvedImage(
        image.id, image.content_hash, image.width, image.height, image.has_alpha, image.source
    )
    fmt = choose_format(request.headers.get("accept"), image.has_alpha)
    width = min(SIZES["thumbnail"] or image.width, image.width)
    data = await svc.variants.get(svc.variants.key(resolved, RenderBox(width), fmt), resolved)
    headers = {"cache-control": "private, max-age=3600", "vary": "Accept"}
    return Response(data, headers=headers, media_type=fmt.media_type)


async def confirm_delete(request: Request) -> Response:
    product_id, image_id = _ids(request)
    actor = await console_actor(request)
    images = services(request).images
    image = await images.image(actor, product_id, image_id)
    actor.check_owner(image.owner)  # a store is not asked to confirm what it may not do
    product = await images.product(actor, product_id)
    return await render(request, "confirm_delete.html", {"product": product, "image": image})


# --- changing --------------------------------------------------------------------------


def _back(product_id: int) -> Response:
    return RedirectResponse(f"{PRODUCTS}/{product_id}", status_code=303)


async def _form(request: Request) -> FormData:
    form = await read_form(request)
    await check_csrf(request, form)
    return form


def _field(form: FormData, name: str, choices: tuple[str, ...]) -> str:
    value = form.get(name)
    if not isinstance(value, str) or value not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}", code="invalid_field")
    return value


async def set_primary(request: Request) -> Response:
    product_id, image_id = _ids(request)
    await _form(request)
    await services(request).images.set_primary(await console_actor(request), product_id, image_id)
    return _back(product_id)


async def delete_image(request: Request) -> Response:
    product_id, image_id = _ids(request)
    await _form(request)
    await services(request).images.delete(await console_actor(request), product_id, image_id)
    return _back(product_id)


def _set_of(gallery: Gallery, image_id: int) -> tuple[ImageSource, list[ProductImage]]:
    sets = ((ImageSource.CUSTOM, gallery.custom), (ImageSource.CANONICAL, gallery.canonical))
    for source, images in sets:
        if any(i.id == image_id for i in images):
            return source, images
    raise NotFound(f"product {gallery.product.id} has no image {image_id}", code="image_not_found")


async def move_image(request: Request) -> Response:
    """One step up or down in its set (the keyboard's way to reorder)."""
    product_id, image_id = _ids(request)
    step = -1 if _field(await _form(request), "direction", ("up", "down")) == "up" else 1
    actor, images = await console_actor(request), services(request).images
    source, current = _set_of(await images.gallery(actor, product_id), image_id)
    order = [i.id for i in current]
    at = order.index(image_id)
    lowest = 1 if current[0].is_primary else 0  # the primary stays first, whatever the order
    if at >= lowest and lowest <= at + step < len(order):
        order[at], order[at + step] = order[at + step], order[at]
        await images.reorder(actor, product_id, order, source)
    return _back(product_id)


async def reorder(request: Request) -> Response:
    """A whole set's new order (what dragging leaves): `source` and every `image_id`."""
    product_id = parse_product_id(request.path_params["product"])
    form = await _form(request)
    source = ImageSource(_field(form, "source", tuple(str(s) for s in ImageSource)))
    order = [parse_id(v, "image_id") for v in form.getlist("image_id") if isinstance(v, str)]
    await services(request).images.reorder(await console_actor(request), product_id, order, source)
    return _back(product_id)


async def set_override(request: Request) -> Response:
    """Use the store's own image, the canonical one, or an image fetched from a URL. A
    refused change re-renders the page with the reason (a refused URL's stays recorded)."""
    product_id = parse_product_id(request.path_params["product"])
    form = await _form(request)
    use = _field(form, "use", ("custom", "canonical", "url"))
    actor, images = await console_actor(request), services(request).images
    try:
        if use == "canonical":
            await images.use_canonical_image(actor, product_id)
        else:
            await images.use_custom_image(actor, product_id, _url(form) if use == "url" else None)
    except (Forbidden, NotFound):
        raise
    except EdgeError as exc:
        return await _product_page(request, product_id, error=exc.message, status=exc.status)
    return _back(product_id)


def _url(form: FormData) -> str:
    url = form.get("image_url")
    url = url.strip() if isinstance(url, str) else ""
    if not url or len(url) > MAX_URL or printable_problem(url) is not None:
        raise BadRequest(f"give an image URL of at most {MAX_URL} characters", code="bad_url")
    return url


async def upload(request: Request) -> Response:
    """Files for the store's own set (`owner=custom`) or, by the curator, the canonical
    product's. JSON answers for scripts (each file's own error), else back to the page."""
    product_id = parse_product_id(request.path_params["product"])
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        return await _upload(request, product_id, wants_json)
    except EdgeError as exc:
        if not wants_json:
            raise
        body = ErrorBody(ErrorDetail(exc.code, exc.message))
        return json_response(body, status_code=exc.status)


async def _upload(request: Request, product_id: int, wants_json: bool) -> Response:
    actor, svc = await console_actor(request), services(request)
    product = await svc.images.product(actor, product_id)
    form = await read_upload_form(request, svc)
    try:
        await check_csrf(request, form)
        canonical = _field(form, "owner", ("custom", "canonical")) == "canonical"
        if canonical and product.canonical_product_id is None:
            raise BadRequest("the product has no canonical product", code="invalid_owner")
        owner = await svc.images.upload_owner(
            actor,
            canonical_id=product.canonical_product_id if canonical else None,
            product_id=None if canonical else product.id,
        )
        data = await read_upload_files(upload_files(form))
    finally:
        await form.close()
    results = await svc.images.upload(owner, data)
    if wants_json:
        return json_response(payloads.upload_result(results), status_code=201)
    return _back(product_id)


def product_routes() -> list[BaseRoute]:
    one = PRODUCTS + "/{product}"
    image = one + "/images/{image}"
    return [
        Route(PRODUCTS, page(products_page), methods=["GET"]),
        Route(one, page(product_page), methods=["GET"]),
        Route(one + "/images", page(upload), methods=["POST"]),
        Route(one + "/order", page(reorder), methods=["POST"]),
        Route(one + "/override", page(set_override), methods=["POST"]),
        Route(image + "/thumbnail", page(image_thumbnail), methods=["GET"]),
        Route(image + "/primary", page(set_primary), methods=["POST"]),
        Route(image + "/move", page(move_image), methods=["POST"]),
        Route(image + "/delete", page(confirm_delete), methods=["GET"]),
        Route(image + "/delete", page(delete_image), methods=["POST"]),
    ]
