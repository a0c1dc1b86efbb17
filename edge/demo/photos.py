"""Generated product photos for the demo catalog and the benchmarks.

Each picture is a shaded product silhouette (bottle, box or can) on a soft studio
background with sensor-like noise, so encoders see photo-like entropy, not flat colour.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pyvips

SHAPES = ("bottle", "box", "can")


@dataclass(frozen=True, slots=True)
class PhotoSpec:
    width: int
    height: int
    colour: tuple[int, int, int]
    shape: str
    label: str | None = None
    transparent: bool = False  # PNG with the background cut away
    orientation: int = 1  # EXIF orientation tag written into a JPEG


def _silhouette(spec: PhotoSpec) -> pyvips.Image:
    """A 0/255 mask of the product's outline."""
    w, h = spec.width, spec.height
    xyz = pyvips.Image.xyz(w, h)
    x, y = xyz[0], xyz[1]
    cx, cy = w / 2, h / 2
    if spec.shape == "box":
        inside = ((x - cx).abs() < w * 0.28) & ((y - cy).abs() < h * 0.38)
    elif spec.shape == "can":
        body = ((x - cx).abs() < w * 0.2) & ((y - cy).abs() < h * 0.3)
        lid = ((x - cx) ** 2 / (w * 0.2) ** 2 + (y - (cy - h * 0.3)) ** 2 / (h * 0.04) ** 2) < 1
        inside = body | lid
    else:  # bottle: body plus a neck
        body = ((x - cx) ** 2 / (w * 0.22) ** 2 + (y - cy - h * 0.1) ** 2 / (h * 0.32) ** 2) < 1
        neck = ((x - cx).abs() < w * 0.06) & (y > h * 0.08) & (y < h * 0.45)
        inside = body | neck
    return inside


def photo(spec: PhotoSpec, seed: int = 0) -> bytes:
    """Encoded image bytes: JPEG, or PNG with alpha when `spec.transparent`."""
    w, h = spec.width, spec.height
    xyz = pyvips.Image.xyz(w, h)
    x, y = xyz[0], xyz[1]
    studio = y / h * -35 + 235  # light from above
    background = studio.bandjoin([studio, studio])
    shade = (x - w / 2).abs() / (w / 2) * -90  # darker towards the product's edges
    product = pyvips.Image.black(w, h).new_from_image(list(spec.colour)) + shade
    mask = _silhouette(spec)
    image = mask.ifthenelse(product, background)
    if spec.label:
        image = _stamp_label(image, spec.label, w, h)
    rng = random.Random(seed)
    noise = pyvips.Image.gaussnoise(w, h, sigma=5 + rng.random() * 4, mean=0)
    image = (image + noise).cast("uchar").copy(interpretation="srgb")
    encoded: bytes  # pyvips is untyped
    if spec.transparent:
        with_alpha = image.bandjoin(mask).copy(interpretation="srgb")
        encoded = with_alpha.pngsave_buffer(compression=6)
        return encoded
    if spec.orientation != 1:
        image = _stored_for_orientation(image, spec.orientation)
        image.set_type(pyvips.GValue.gint_type, "orientation", spec.orientation)
    encoded = image.jpegsave_buffer(Q=88)
    return encoded


def _stamp_label(image: pyvips.Image, label: str, w: int, h: int) -> pyvips.Image:
    try:
        text = pyvips.Image.text(label, width=int(w * 0.4), dpi=max(72, w // 8), align="centre")
    except pyvips.Error:  # no fonts on this machine: a plain label band instead
        return image
    left = int((w - text.width) / 2)
    top = int(h / 2 - text.height / 2)
    if left < 0 or top < 0 or left + text.width > w or top + text.height > h:
        return image
    ink = text.embed(left, top, w, h)
    white = pyvips.Image.black(w, h).new_from_image([250, 250, 250])
    return (ink > 128).ifthenelse(white, image)


def _stored_for_orientation(image: pyvips.Image, orientation: int) -> pyvips.Image:
    """Store the pixels the way a camera would, so the tag is needed to show them upright."""
    if orientation == 6:  # viewer rotates 90° clockwise, so store rotated anticlockwise
        return image.rot270()
    if orientation == 8:
        return image.rot90()
    if orientation == 3:
        return image.rot180()
    return image


def random_spec(rng: random.Random, label: str | None = None) -> PhotoSpec:
    """Varied sizes and aspect ratios, as stores upload them."""
    width, height = rng.choice(
        [
            (800, 800),
            (1200, 1200),
            (1600, 1200),
            (1000, 1500),
            (2000, 2000),
            (2400, 1600),
            (640, 960),
        ]
    )
    colour = (rng.randrange(30, 220), rng.randrange(30, 220), rng.randrange(30, 220))
    return PhotoSpec(width, height, colour, rng.choice(SHAPES), label)
