"""Grocery and household categories: lines, variants, sizes and brands to draw from."""

from __future__ import annotations

from dataclasses import dataclass

from .products import Size


@dataclass(frozen=True)
class Category:
    """A grocery or household category: families are (brand, line); products are the
    variants × size/pack options of a family."""

    group: str
    nouns: tuple[str, ...]
    lines: tuple[str, ...]
    variants: tuple[str, ...]
    options: tuple[tuple[Size | None, int | None], ...]
    order: str = "brand line variant noun size pack"
    brands: tuple[str, ...] = ()
    pack_word: str = "Pack"


def oz(v: float) -> Size:
    return Size(v, "oz")


def floz(v: float) -> Size:
    return Size(v, "floz")


def ct(v: float) -> Size:
    return Size(v, "ct")


GROCERY_BRANDS = (
    "Harvest Lane", "Blue Harbor", "Sunny Vale", "Oak & Ember", "Golden Mill", "Red Barn",
    "Maple Row", "Prairie Gold", "Cedar Creek", "True North", "Little Farm", "Silver Spoon",
    "Highland", "Riverstone", "Green Valley", "Nature's Table", "Mama Rosa's", "Baker's Choice",
    "Fizzco", "Crystal Springs", "Polar Peak", "Morning Glory", "Sweet Meadow", "Happy Cow",
    "Farmer John's", "Kettle King", "Crunch Time", "Bella Italia", "Old Mill", "Sunrise",
    "Frosty Farms", "Brewster's", "Top Shelf", "Everyday Value", "Market Select",
    "Simply Good", "Kellogg's", "Heinz", "Barilla", "Lay's",
)  # fmt: skip
HOUSEHOLD_BRANDS = (
    "CleanWave", "Fresh & Bright", "Purelle", "Sparkle", "BrightSmile", "Dentex", "SilkLocks",
    "HydraCare", "SoftTouch", "Strongbag", "TuffGuard", "LittleSteps", "Snuggle Baby", "Tide",
    "Colgate", "Everyday Value", "Market Select",
)  # fmt: skip
MAKERS = ("Allied Foods Inc", "Northstar Brands", "Consolidated Household Co", "Unified Goods")

CATEGORIES = (
    Category(
        "grocery", ("Cereal",),
        ("Frosted Flakes", "Corn Flakes", "Honey Oat Clusters", "Raisin Bran", "Crispy Rice",
         "Toasted Oats", "Granola Crunch", "Bran Flakes"),
        ("Original", "Honey Nut", "Chocolate", "Cinnamon", "Mixed Berry", "Frosted"),
        ((oz(10.8), None), (oz(12), None), (oz(18), None), (oz(24), None)),
    ),
    Category(
        "grocery", ("Potato Chips",),
        ("Kettle Cooked", "Wavy", "Classic", "Baked", "Thin & Crispy", "Ridged"),
        ("Original", "Sea Salt & Vinegar", "Sour Cream & Onion", "Barbecue", "Jalapeño",
         "Cheddar & Sour Cream", "Salt & Pepper", "Lightly Salted"),
        ((oz(1), None), (oz(2.5), None), (oz(7.75), None), (oz(8), None), (oz(13), None)),
    ),
    Category(
        "grocery", ("Soda",),
        ("Cola", "Lemon-Lime", "Root Beer", "Ginger Ale", "Orange", "Cream Soda"),
        ("", "Diet", "Zero Sugar", "Cherry", "Vanilla", "Caffeine Free"),
        ((floz(12), 6), (floz(12), 12), (floz(12), 24), (floz(20), None), (Size(2, "l"), None)),
        order="brand variant line noun size pack",
    ),
    Category(
        "grocery", ("Sparkling Water",),
        ("", "Essence", "Mineral"),
        ("Pure", "Lime", "Lemon", "Grapefruit", "Black Cherry", "Mango", "Berry", "Coconut"),
        ((floz(12), 8), (floz(12), 12), (Size(1, "l"), None), (floz(16.9), None)),
    ),
    Category(
        "grocery", ("Greek Yogurt",),
        ("Nonfat", "Whole Milk", "Low Fat", "Blended", "Fruit on the Bottom"),
        ("Plain", "Vanilla", "Strawberry", "Blueberry", "Peach", "Honey", "Black Cherry"),
        ((oz(5.3), None), (oz(5.3), 4), (oz(32), None)),
    ),
    Category(
        "grocery", ("Peanut Butter",),
        ("Creamy", "Crunchy", "Natural Creamy", "Natural Crunchy", "Reduced Fat Creamy"),
        ("", "Honey Roasted"),
        ((oz(16), None), (oz(28), None), (oz(40), None)),
    ),
    Category(
        "grocery", ("Pasta Sauce",),
        ("", "Organic", "Premium"),
        ("Marinara", "Traditional", "Tomato Basil", "Four Cheese", "Roasted Garlic", "Mushroom",
         "Spicy Marinara", "Vodka"),
        ((oz(24), None), (oz(45), None)),
    ),
    Category(
        "grocery", ("Pasta",),
        ("", "Whole Grain", "Protein+", "Gluten Free"),
        ("Spaghetti", "Penne Rigate", "Rotini", "Elbows", "Linguine", "Farfalle", "Fettuccine",
         "Angel Hair"),
        ((oz(16), None), (Size(2, "lb"), None)),
    ),
    Category(
        "grocery", ("Ground Coffee", "Coffee Pods"),
        ("", "Organic"),
        ("Medium Roast", "Dark Roast", "Breakfast Blend", "Colombian", "French Roast",
         "House Blend", "Decaf Medium Roast"),
        ((oz(12), None), (oz(24.2), None), (ct(12), None), (ct(24), None), (ct(48), None)),
    ),
    Category(
        "grocery", ("Ice Cream",),
        ("", "Light", "Premium"),
        ("Vanilla", "Chocolate", "Cookies & Cream", "Mint Chocolate Chip", "Strawberry",
         "Butter Pecan", "Rocky Road", "Salted Caramel"),
        ((Size(1.5, "qt"), None), (floz(14), None)),
    ),
    Category(
        "grocery", ("Orange Juice",),
        ("", "Premium", "Not From Concentrate"),
        ("No Pulp", "Some Pulp", "Lots of Pulp", "Calcium & Vitamin D", "Low Acid"),
        ((floz(12), None), (floz(52), None), (floz(89), None)),
    ),
    Category(
        "grocery", ("Cookies",),
        ("", "Soft Baked", "Thins", "Mini"),
        ("Chocolate Chip", "Double Chocolate", "Oatmeal Raisin", "Peanut Butter", "Sugar",
         "Snickerdoodle"),
        ((oz(7), None), (oz(13), None), (oz(18), None)),
    ),
    Category(
        "grocery", ("Granola Bars",),
        ("Chewy", "Crunchy", "Protein", "Soft Baked"),
        ("Oats & Honey", "Peanut Butter", "Dark Chocolate", "Chocolate Chip", "Almond",
         "Cranberry Almond"),
        ((ct(6), None), (ct(12), None), (ct(24), None)),
    ),
    Category(
        "grocery", ("Purified Drinking Water",),
        ("",),
        ("",),
        ((floz(16.9), 24), (floz(16.9), 32), (floz(16.9), 40), (Size(1, "gal"), None),
         (Size(1.5, "l"), None)),
    ),
    Category(
        "grocery", ("Soup",),
        ("Condensed", "Chunky", "Homestyle", "Low Sodium"),
        ("Chicken Noodle", "Tomato", "Cream of Mushroom", "Minestrone", "Clam Chowder",
         "Beef Barley", "Vegetable"),
        ((oz(10.75), None), (oz(18.6), None), (oz(19), None)),
        order="brand line variant noun size pack",
    ),
    Category(
        "grocery", ("Chocolate Bar",),
        ("Milk Chocolate", "Dark Chocolate", "Extra Dark"),
        ("", "Almond", "Sea Salt", "Caramel", "Hazelnut", "Crisped Rice", "Mint"),
        ((oz(1.55), None), (oz(3.5), None), (oz(4.4), None), (oz(1.55), 6)),
    ),
    Category(
        "grocery", ("Frozen Pizza",),
        ("Rising Crust", "Thin Crust", "Stuffed Crust"),
        ("Pepperoni", "Four Cheese", "Supreme", "Margherita", "Sausage", "BBQ Chicken"),
        ((oz(21.6), None), (oz(26), None), (oz(31.5), None)),
    ),
    Category(
        "grocery", ("Tea Bags",),
        ("", "Organic"),
        ("Green", "Black", "Earl Grey", "Chamomile", "Peppermint", "English Breakfast",
         "Jasmine Green"),
        ((ct(20), None), (ct(40), None), (ct(100), None)),
    ),
    Category(
        "household", ("Liquid Laundry Detergent",),
        ("", "Free & Clear", "Ultra Concentrated", "Plus Oxi"),
        ("Original", "Spring Meadow", "Lavender", "Fresh Linen", "Mountain Breeze"),
        ((floz(46), None), (floz(92), None), (floz(150), None)),
    ),
    Category(
        "household", ("Dish Soap",),
        ("", "Ultra", "Platinum"),
        ("Original", "Lemon", "Apple Blossom", "Lavender", "Free & Clear"),
        ((floz(19.4), None), (floz(28), None), (floz(38), None)),
    ),
    Category(
        "household", ("Toothpaste",),
        ("Total", "Advanced Whitening", "Cavity Protection", "Sensitive", "Optic White"),
        ("", "Fresh Mint", "Clean Mint", "Charcoal", "Gel"),
        ((oz(4), None), (oz(4.8), None), (oz(6), None), (oz(4.8), 2)),
    ),
    Category(
        "household", ("Shampoo", "Conditioner"),
        ("Moisturizing", "Volumizing", "Clarifying", "Anti-Dandruff", "Color Care",
         "Smooth & Silky"),
        ("", "Coconut", "Argan Oil", "Tea Tree", "Lavender", "Citrus"),
        ((floz(12), None), (floz(20), None), (floz(33.8), None)),
    ),
    Category(
        "household", ("Paper Towels",),
        ("Select-A-Size", "Full Sheet"),
        ("Double Rolls", "Mega Rolls", "Triple Rolls"),
        ((None, 2), (None, 6), (None, 8), (None, 12)),
        order="brand line noun variant pack",
    ),
    Category(
        "household", ("Tall Kitchen Trash Bags", "Large Trash Bags"),
        ("", "Drawstring", "Flex"),
        ("", "Unscented", "Lavender", "Fresh Clean"),
        ((Size(13, "gal"), 40), (Size(13, "gal"), 80), (Size(30, "gal"), 40),
         (Size(33, "gal"), 25)),
        pack_word="Count",
    ),
    Category(
        "household", ("Diapers",),
        ("Swaddlers", "Cruisers", "Baby Dry", "Pure Protection"),
        ("Size 1", "Size 2", "Size 3", "Size 4", "Size 5", "Size 6"),
        ((None, 84), (None, 124), (None, 168)),
        order="brand line noun variant pack",
        pack_word="Count",
    ),
    Category(
        "household", ("Batteries",),
        ("Coppertop", "Quantum", "MAX", "Ultimate Lithium", "Recharge"),
        ("AA", "AAA", "C", "D", "9V"),
        ((None, 4), (None, 8), (None, 16), (None, 24)),
        order="brand line variant noun pack",
        brands=("Duracell", "Energizer", "PowerCell", "Everyday Value"),
    ),
)  # fmt: skip
SHARED_LINE_SHARE = 0.3  # a line another brand (often the store brand) also makes
