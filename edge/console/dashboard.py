"""The console's landing page (`/console`): the figures the original system promised
(70%+ of store products sharing their images, storage 50%+ below every store keeping
its own copies) against their targets, how products were matched, what they show, and
the queues; each figure links to the products it counts. The curator sees the whole
marketplace, a store its own products (`edge.application.stats`)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from edge.application.stats import SHARING_TARGET, STORAGE_TARGET, Figures
from edge.console.figures import age, moment, percent, size
from edge.console.pages import render
from edge.console.session import console_actor
from edge.http.routes import services

PRODUCTS = "/console/products"


@dataclass(frozen=True, slots=True)
class Goal:
    """A share against its target (a `<meter>`: below half the target is "low")."""

    title: str
    share: float | None
    target: float
    detail: str

    @property
    def shown(self) -> str:
        return percent(self.share)

    @property
    def value(self) -> float:
        return min(1.0, max(0.0, self.share or 0.0))

    @property
    def met(self) -> bool:
        return self.share is not None and self.share >= self.target


@dataclass(frozen=True, slots=True)
class Count:
    label: str
    count: int
    of: int  # the total it is a part of (its bar's maximum)
    href: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Queue:
    label: str
    depth: int
    oldest: str
    href: str | None


def view(figures: Figures) -> dict[str, object]:
    s = figures.stats
    n = s.products
    goals = [
        Goal(
            "Products sharing their images with another store",
            s.sharing_share,
            SHARING_TARGET,
            f"{s.sharing} of {n} store products show a canonical image that another "
            "store's product shows too.",
        )
    ]
    if s.stored_bytes is not None:
        goals.append(
            Goal(
                "Storage saved against every store keeping its own copies",
                s.storage_saved,
                STORAGE_TARGET,
                f"{size(s.stored_bytes)} of originals stored, against "
                f"{size(s.per_store_bytes)} if every store product kept its own copies.",
            )
        )
    images = [
        Count("Show a canonical image", n - s.custom_image - s.without_image, n),
        Count("Show their store's own image", s.custom_image, n, f"{PRODUCTS}?image=custom"),
        Count("Without an image", s.without_image, n, f"{PRODUCTS}?image=none"),
    ]
    linked = f"{PRODUCTS}?status=linked"
    matching = [
        Count("Matched by barcode", s.by_barcode, n, linked),
        Count("Matched by name", s.by_name, n, linked, "by the matcher or a person"),
        Count("Provisional", s.provisional, n, linked, "a canonical product made from one name"),
        Count("Suggested", s.suggested, n, f"{PRODUCTS}?status=suggested", "waiting for review"),
        Count("Needs review", s.review, n, f"{PRODUCTS}?status=review", "waiting for review"),
        Count("Not matched yet", s.unmatched, n, f"{PRODUCTS}?status=unmatched"),
        Count("Rejected", s.rejected, n, f"{PRODUCTS}?status=rejected"),
    ]
    queues = [
        Queue(
            "Waiting for review",
            s.review_queue.depth,
            age(figures.age_s(s.review_queue)),
            "/console/review",
        ),
        Queue(
            "Waiting for the matcher",
            s.matcher_queue.depth,
            age(figures.age_s(s.matcher_queue)),
            None,
        ),
    ]
    return {
        "products": n,
        "goals": goals,
        "images": images,
        "matching": matching,
        "queues": queues,
        "computed_at": moment(figures.computed_at),
        "computed_iso": figures.computed_at.isoformat(),
    }


async def dashboard(request: Request) -> Response:
    actor = await console_actor(request)
    figures = await services(request).stats.figures(actor)
    return await render(request, "dashboard.html", view(figures))
