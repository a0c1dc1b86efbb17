"""The word lists the scorer reads: variant words and phrases, and filler words.

A variant word names a *variant* of an otherwise identical product (a colour, a
flavour, a size...); filler words never tell two products apart.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that name a *variant* of an otherwise identical product. If the sets of
# variant words of two names differ (including one present and one absent), the
# pair never auto-links. "original", "classic" and "regular" are deliberately
# not here: they name the default variant that stores routinely leave out.
_COLOURS = _words(
    "black white red blue green yellow orange purple pink grey silver gold rose brown "
    "beige navy teal turquoise ivory maroon burgundy bronze charcoal graphite midnight "
    "starlight clear transparent khaki tan indigo stainless chrome"
)
_FLAVOURS = _words(
    "vanilla chocolate strawberry cherry lemon lime grape apple mango peach raspberry "
    "blueberry banana coconut mint peppermint spearmint caramel honey cinnamon coffee mocha "
    "hazelnut almond peanut bbq cheddar onion garlic jalapeno ranch watermelon pineapple "
    "berry tropical ginger pumpkin maple butter salted unsalted spicy hot mild plain "
    "unsweetened sweetened dark smoked lavender unscented scented sparkling"
)
_DIET = _words("diet zero light decaf skim whole lowfat nonfat sugarfree organic")
_SIZES = _words("mini small medium large xl xxl xs jumbo king family")
_AUDIENCE = _words("men mens women womens kids boys girls baby")
_TIERS = _words("pro max plus ultra se")  # iPhone 13 / 13 Pro / 13 Pro Max
_BATTERIES = _words("aa aaa aaaa")
VARIANT_WORDS = _COLOURS | _FLAVOURS | _DIET | _SIZES | _AUDIENCE | _TIERS | _BATTERIES

# What a product runs on or comes as: two platforms are two products, a note on one
# side only ("(mac dvd)") says little.
PLATFORMS = _words(
    "mac macintosh win windows pc linux ps2 ps3 ps4 ps5 psp xbox xbox360 x360 wii wiiu nds ds "
    "3ds switch android ios"
)
# Several names for one platform: "(PC)" and "Windows" say the same.
PLATFORM_ALIASES = {
    "win": "windows",
    "pc": "windows",
    "macintosh": "mac",
    "x360": "xbox360",
    "ds": "nds",
}
# What the product comes on: a note, never a variant ("PC DVD-ROM" is the "(PC)" game).
MEDIA = _words("dvd cd rom dvdrom cdrom download")
# Variant words by class: a conflict is two names naming *different* words of one class.
VARIANT_CLASSES: dict[str, frozenset[str]] = {
    "colour": _COLOURS,
    "flavour": _FLAVOURS,
    "diet": _DIET,
    "size": _SIZES,
    "audience": _AUDIENCE,
    "tier": _TIERS,
    "battery": _BATTERIES,
    "platform": PLATFORMS,
}
# Words a seller adds to sell, not to say what the product is.
MARKETING = _words(
    "new brand genuine authentic official oem high quality premium free shipping ships fast "
    "sale deal offer save hot bestseller best seller value bonus exclusive limited edition "
    "improved qty stock instock available each ea lot"
    # shelf promotions pasted into a name ("Online Exclusive", "Half Price", "Was £2.29")
    " multibuy favourite online members member half price drop great recipe was clearance"
    # a marketplace seller's boilerplate ("NIB", "Factory Sealed", "Retail Packaging")
    " nib factory sealed retail only"
)
# A product made to fit another maker's product is not that product.
THIRD_PARTY = _words("compatible remanufactured refurbished reman generic replacement aftermarket")
# Two-word variants, read before single words (their words are then consumed).
VARIANT_PHRASES: dict[tuple[str, str], str] = {
    ("sugar", "free"): "sugarfree",
    ("no", "sugar"): "sugarfree",
    ("caffeine", "free"): "caffeinefree",
    ("fat", "free"): "nonfat",
    ("non", "fat"): "nonfat",
    ("low", "fat"): "lowfat",
    ("reduced", "fat"): "lowfat",
    ("low", "sodium"): "lowsodium",
    ("gluten", "free"): "glutenfree",
    ("sour", "cream"): "sourcream",
    ("salt", "vinegar"): "saltvinegar",
    ("extra", "large"): "xl",
    ("x", "large"): "xl",
    ("extra", "small"): "xs",
    ("x", "small"): "xs",
    ("extra", "virgin"): "extravirgin",
}

# Words that never distinguish two products: function words, and the names of
# the default variant that stores routinely leave out.
FILLER = _words("a an and the of with for by n in original classic regular use")  # "for use in"
