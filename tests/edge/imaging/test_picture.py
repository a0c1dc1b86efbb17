"""`<picture>` markup: parsed back with html.parser and checked against the /img route."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from edge.http.routes import parse_product_id
from edge.imaging.formats import Format
from edge.imaging.picture import DEFAULT_SIZES, PictureImage, picture_html, picture_sources
from edge.imaging.sizes import parse_size_segment

VERSION = "0123456789abcdef"
PLACEHOLDER = "data:image/webp;base64,UklGRh4AAABXRUJQVlA4TBEAAAAvAQAAAAfQ//73v/+BiOh/AAA="


def image(width=1000, height=800, *, has_alpha=False, placeholder=None, version=VERSION):
    return PictureImage(width, height, version, has_alpha, placeholder)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.events.append(("start", tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.events.append(("end", tag, {}))

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> list[tuple[str, str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    assert "".join(collector.text).strip() == ""
    return collector.events


def elements(markup: str) -> tuple[list[dict[str, str | None]], dict[str, str | None]]:
    """The `<source>`s and the `<img>`, after checking the element structure exactly."""
    events = parse(markup)
    assert [(kind, tag) for kind, tag, _ in events] == [
        ("start", "picture"),
        ("start", "source"),
        ("start", "source"),
        ("start", "img"),
        ("end", "picture"),
    ]
    return [events[1][2], events[2][2]], events[3][2]


def srcset(value: str | None) -> list[tuple[str, int]]:
    assert value
    entries = []
    for entry in value.split(", "):
        url, descriptor = entry.split(" ")
        assert descriptor.endswith("w")
        entries.append((url, int(descriptor[:-1])))
    return entries


def all_urls(markup: str, fallback_type: str) -> list[tuple[str, str, int | None]]:
    """(expected media type, url, width descriptor or None for `src`) for every URL."""
    sources, img = elements(markup)
    urls = []
    for attrs in [*sources, img]:
        media_type = attrs.get("type", fallback_type)
        urls += [(media_type, url, w) for url, w in srcset(attrs["srcset"])]
    urls.append((fallback_type, img["src"], None))
    return urls


def widths(attrs) -> list[int]:
    return [w for _, w in srcset(attrs["srcset"])]


def test_sources_then_img_in_format_order():
    sources, img = elements(picture_html(7, image(), alt="Shoe"))
    assert [s["type"] for s in sources] == ["image/avif", "image/webp"]
    for attrs, suffix in [(sources[0], ".avif"), (sources[1], ".webp"), (img, ".jpg")]:
        assert attrs["sizes"] == DEFAULT_SIZES
        for url, _ in srcset(attrs["srcset"]):
            parts = urlsplit(url)
            assert parts.path.endswith(suffix)
            assert parse_qs(parts.query) == {"v": [VERSION]}
    assert img["src"] == f"/img/7/medium.jpg?v={VERSION}"


def test_srcset_widths_named_sizes_then_original():
    sources, img = elements(picture_html(7, image(1000, 800), alt="Shoe"))
    for attrs in [*sources, img]:
        assert widths(attrs) == [150, 400, 800, 1000]
    assert [url for url, _ in srcset(img["srcset"])] == [
        f"/img/7/{size}.jpg?v={VERSION}" for size in ("thumbnail", "small", "medium", "original")
    ]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (300, [150, 300]),
        (150, [150]),
        (90, [90]),
        (400, [150, 400]),
        (1200, [150, 400, 800, 1200]),
        (4000, [150, 400, 800, 1200, 4000]),
    ],
)
def test_widths_ascending_unique_never_above_original(width, expected):
    sources, img = elements(picture_html(1, image(width, 100), alt=""))
    for attrs in [*sources, img]:
        assert widths(attrs) == expected
    assert srcset(img["srcset"])[-1][0] == f"/img/1/original.jpg?v={VERSION}"


def test_small_original_gets_thumbnail_and_original_only():
    _, img = elements(picture_html(3, image(300, 200), alt="Cap"))
    assert srcset(img["srcset"]) == [
        (f"/img/3/thumbnail.jpg?v={VERSION}", 150),
        (f"/img/3/original.jpg?v={VERSION}", 300),
    ]
    assert img["src"] == f"/img/3/original.jpg?v={VERSION}"  # the largest not above medium


def test_width_and_height_are_intrinsic():
    _, img = elements(picture_html(7, image(1000, 800), alt="Shoe"))
    assert (img["width"], img["height"]) == ("1000", "800")


def test_lazy_by_default():
    _, img = elements(picture_html(7, image(), alt="Shoe"))
    assert img["loading"] == "lazy"
    assert img["decoding"] == "async"
    assert "fetchpriority" not in img


def test_priority_is_eager_and_high():
    _, img = elements(picture_html(7, image(), alt="Shoe", priority=True))
    assert img["loading"] == "eager"
    assert img["fetchpriority"] == "high"
    assert img["decoding"] == "async"


def test_custom_sizes_on_every_element():
    sizes = '(min-width: 1024px) 25vw, 50vw" onload="x'
    sources, img = elements(picture_html(7, image(), alt="Shoe", sizes=sizes))
    assert [attrs["sizes"] for attrs in [*sources, img]] == [sizes, sizes, sizes]
    assert "onload" not in img


@pytest.mark.parametrize(
    "alt",
    [
        '"><script>alert(1)</script>',
        'Tom\'s "best" <b>boots</b> & socks',
        "' onerror='alert(1)",
        "",
    ],
)
def test_alt_is_escaped(alt):
    markup = picture_html(7, image(), alt=alt)
    _, img = elements(markup)  # exactly picture/source/source/img: nothing injected
    assert img["alt"] == alt
    assert "onerror" not in img
    assert "<script" not in markup


def test_valid_placeholder_is_the_background():
    _, img = elements(picture_html(7, image(placeholder=PLACEHOLDER), alt="Shoe"))
    assert img["style"] == f"background-image:url({PLACEHOLDER});background-size:cover"


@pytest.mark.parametrize(
    "placeholder",
    [
        "data:image/png;base64,AAAA);background:url(https://evil.example/x)",
        'data:image/png;base64,AAAA"><script>alert(1)</script>',
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:image/png,rawbytes",
        "https://evil.example/x.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA\n",
        "data:image/png;base64,",
        "",
        None,
    ],
)
def test_bad_placeholder_is_dropped(placeholder):
    markup = picture_html(7, image(placeholder=placeholder), alt="Shoe")
    _, img = elements(markup)
    assert "style" not in img
    assert "evil" not in markup
    assert "<script" not in markup


def test_alpha_images_fall_back_to_png_and_keep_avif_webp():
    sources, img = elements(
        picture_html(7, image(has_alpha=True, placeholder=PLACEHOLDER), alt="Cutout")
    )
    assert [s["type"] for s in sources] == ["image/avif", "image/webp"]
    assert all(".png?" in url for url, _ in srcset(img["srcset"]))
    assert img["src"] == f"/img/7/medium.png?v={VERSION}"
    assert ".jpg" not in picture_html(7, image(has_alpha=True), alt="Cutout")
    # the placeholder would stay visible through transparent pixels once loaded
    assert "style" not in img


def test_version_is_url_encoded():
    _, img = elements(picture_html(7, image(version="a b&c"), alt="x"))
    assert img["src"] == "/img/7/medium.jpg?v=a%20b%26c"


@pytest.mark.parametrize("product_id", [0, -1, True])
def test_bad_product_id(product_id):
    with pytest.raises(ValueError):
        picture_sources(product_id, image())


@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, 0)])
def test_bad_dimensions(width, height):
    with pytest.raises(ValueError):
        image(width, height)


def test_structured_sources_match_markup():
    sources = picture_sources(7, image(has_alpha=True))
    assert [s.fmt for s in sources] == [Format.AVIF, Format.WEBP, Format.PNG]
    markup_sources, img = elements(picture_html(7, image(has_alpha=True), alt="x"))
    assert [s.srcset for s in sources] == [
        markup_sources[0]["srcset"],
        markup_sources[1]["srcset"],
        img["srcset"],
    ]


@pytest.mark.parametrize(("width", "has_alpha"), [(1000, False), (300, True), (5000, False)])
def test_every_url_is_one_the_img_route_accepts(width, has_alpha):
    """Parsed with the route's own functions, so the markup and `/img` cannot drift apart."""
    markup = picture_html(42, image(width, 100, has_alpha=has_alpha), alt="x", priority=True)
    urls = all_urls(markup, "image/png" if has_alpha else "image/jpeg")
    assert len(urls) == 3 * len(widths(elements(markup)[1])) + 1
    for media_type, url, w in urls:
        parts = urlsplit(url)
        prefix, product, segment = parts.path.rsplit("/", 2)
        assert prefix == "/img"
        assert parse_product_id(product) == 42
        wanted = parse_size_segment(segment)
        assert wanted.fmt is not None  # explicit: no negotiation, no Vary: Accept
        assert wanted.fmt.media_type == media_type
        assert wanted.scale == 1
        if w is not None:
            assert wanted.target_width(width) == w
        assert parse_qs(parts.query, strict_parsing=True) == {"v": [VERSION]}


def test_every_slot_is_declared_in_the_answer_body() -> None:
    from typing import get_args

    from edge.http.bodies import SlotName
    from edge.imaging.picture import SLOTS

    assert set(get_args(SlotName)) == set(SLOTS)
    for slot in SLOTS.values():
        assert set(slot.sizes) <= set(SIZES_ORDER) and list(slot.sizes) == sorted(
            slot.sizes, key=SIZES_ORDER.index
        )


SIZES_ORDER = ["thumbnail", "small", "medium", "large", "original"]
