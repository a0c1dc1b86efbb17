"""The grocery generator's vocabulary: kinds of product, invented brands, retailers' spellings.

Independent of families.py / pos_names.py: other brands, other product domain (UK-style
supermarket, deli counter, pharmacy, fashion), other words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of product; a product line is one brand's take on it."""

    group: str  # grocery, fresh, beauty, apparel
    category: str  # the catalog's path
    noun: str
    brands: tuple[str, ...]
    lines: tuple[str, ...]  # line names ("" = none)
    variants: tuple[str, ...]  # flavour, scent, fat, shade, roast: different products
    sizes: tuple[tuple[float, str], ...] = ()  # value, unit (g kg ml l pint ct)
    packs: tuple[int, ...] = ()  # multipacks of `unit` (default: the first size)
    unit: tuple[float, str] | None = None
    twins: tuple[str, ...] = ()  # a twin product adds one (Organic, Decaf, SPF 30 ...)
    price: float = 1.0  # £, the first size, single
    weighed: str = ""  # sold loose: "kg", "100g" or "each" (in-store barcodes)
    sizing: str = ""  # apparel: letter, waist, shoe


G, F, B, A = "grocery", "fresh", "beauty", "apparel"
KINDS = (
    Kind(G, "Dairy/Milk", "Milk", ("Hollowbrook", "Dalesmere"), ("Farmhouse", "", "Filtered"),
         ("Semi Skimmed", "Whole", "Skimmed", "1% Fat"), ((2, "pint"), (4, "pint"), (1, "l"),
         (2, "l")), twins=("Organic", "Lactose Free"), price=1.15),
    Kind(G, "Dairy/Yoghurt", "Yoghurt", ("Hollowbrook", "Skyla"), ("Greek Style", "Thick & Creamy"),
         ("Strawberry", "Vanilla", "Natural", "Peach & Apricot", "Raspberry"),
         ((500, "g"), (450, "g")), packs=(4, 6), unit=(125, "g"),
         twins=("Fat Free", "Organic"), price=1.60),
    Kind(G, "Dairy/Butter", "Butter", ("Dalesmere", "Oldmoor Farms"), ("", "Creamery"),
         ("Salted", "Unsalted", "Spreadable"), ((250, "g"), (500, "g")), price=2.10),
    Kind(G, "Eggs", "Eggs", ("Oldmoor Farms", "Henstead"), ("Free Range", "Barn"),
         ("Large", "Medium", "Mixed Weight"), ((6, "ct"), (12, "ct"), (15, "ct")),
         twins=("Organic",), price=1.90),
    Kind(G, "Drinks/Soft Drinks", "Sparkling Drink", ("Zesto", "Tamberly"), ("Fizz", "Original"),
         ("Cola", "Lemon & Lime", "Orange", "Cherry Cola", "Ginger Beer"),
         ((330, "ml"), (1.5, "l"), (2, "l")), packs=(6, 12, 24), twins=("Sugar Free",),
         price=0.75),
    Kind(G, "Drinks/Water", "Sparkling Water", ("Glenvara", "Tamberly"), ("Spring", ""),
         ("Natural", "Lemon", "Lime", "Raspberry"), ((500, "ml"), (1, "l"), (1.5, "l")),
         packs=(6, 12), price=0.65),
    Kind(G, "Drinks/Juice", "Orange Juice", ("Zesto", "Sunhollow"), ("Pressed",
         "Not From Concentrate"),
         ("Smooth", "With Bits", "Juicy Bits"), ((1, "l"), (1.75, "l"), (250, "ml")),
         packs=(3,), unit=(250, "ml"), twins=("Organic",),
         price=2.20),
    Kind(G, "Drinks/Plant Milk", "Oat Drink", ("Avenly", "Skyla"), ("Barista", "Everyday"),
         ("Original", "Unsweetened", "Chocolate", "Vanilla"), ((1, "l"),), packs=(6,),
         twins=("Organic",), price=1.80),
    Kind(G, "Tea & Coffee/Coffee", "Ground Coffee", ("Brindle Bay", "Casa Ferro"),
         ("Signature", "Roastery"), ("Medium Roast", "Dark Roast", "Colombian", "Espresso"),
         ((227, "g"), (454, "g"), (1, "kg")), twins=("Decaf", "Organic"), price=3.80),
    Kind(G, "Tea & Coffee/Tea", "Tea Bags", ("Brindle Bay", "Ashcombe"), ("Classic", "Gold"),
         ("English Breakfast", "Earl Grey", "Green", "Peppermint", "Chamomile"),
         ((40, "ct"), (80, "ct"), (160, "ct")), twins=("Decaf",), price=2.40),
    Kind(G, "Cupboard/Cereal", "Granola", ("Fenwick & Rye", "Oatlands"), ("Golden Crunch",
         "Harvest"),
         ("Honey & Almond", "Berry Burst", "Chocolate Chunk", "Maple Pecan"),
         ((500, "g"), (1, "kg")), twins=("Gluten Free", "Reduced Sugar"), price=2.75),
    Kind(G, "Cupboard/Pasta", "Pasta", ("Casa Olivo", "Trattoria Vela"), ("Di Semola", "Classica"),
         ("Fusilli", "Penne", "Spaghetti", "Farfalle", "Rigatoni"), ((500, "g"), (1, "kg")),
         twins=("Wholewheat", "Gluten Free", "Organic"), price=0.95),
    Kind(G, "Cupboard/Oil", "Olive Oil", ("Casa Olivo", "Terravela"), ("Extra Virgin",
         "Light & Mild"),
         ("Cold Pressed", "Classic"), ((500, "ml"), (750, "ml"), (1, "l")), twins=("Organic",),
         price=5.50),
    Kind(G, "Cupboard/Tins", "Baked Beans in Tomato Sauce", ("Marlowe's", "Redgate"), ("",
         "Classic"),
         ("Original", "Reduced Sugar & Salt"), ((415, "g"), (220, "g")), packs=(4, 6), price=0.85),
    Kind(G, "Cupboard/Spreads", "Peanut Butter", ("Marlowe's", "Nutkin"), ("", "High Protein"),
         ("Smooth", "Crunchy"), ((340, "g"), (1, "kg")), twins=("No Added Sugar",), price=2.30),
    Kind(G, "Cupboard/Rice", "Basmati Rice", ("Paddy Moon", "Terravela"), ("Aged", ""),
         ("White", "Brown", "Wild Mix"), ((500, "g"), (1, "kg"), (2, "kg")), price=1.95),
    Kind(G, "Snacks/Biscuits", "Digestive Biscuits", ("Fenwick & Rye", "Crumbly Co"), ("",
         "Classic"),
         ("Milk Chocolate", "Dark Chocolate", "Original", "Caramel"), ((300, "g"), (400, "g")),
         twins=("Gluten Free",), price=1.40),
    Kind(G, "Snacks/Crisps", "Crisps", ("Kettlewick", "Crunchfield"), ("Hand Cooked", "Ridged"),
         ("Sea Salt", "Salt & Vinegar", "Cheese & Onion", "Smoky Bacon", "Sweet Chilli"),
         ((150, "g"), (40, "g")), packs=(6, 12), unit=(25, "g"), price=1.65),
    Kind(G, "Snacks/Chocolate", "Chocolate Bar", ("Cocoavie", "Velour"), ("", "Fine"),
         ("Milk", "Dark 70%", "Hazelnut", "Salted Caramel", "Orange"), ((100, "g"), (200, "g")),
         packs=(4,), unit=(35, "g"), twins=("Vegan",), price=1.50),
    Kind(F, "Fresh/Cheese", "Mature Cheddar", ("Dunmore Dairy", "Cragwell"), ("Vintage",
         "Farmhouse"),
         ("Red", "White", "Smoked"), ((400, "g"), (200, "g"), (800, "g")), price=3.40),
    Kind(F, "Fresh/Meat", "Chicken Breast Fillets", ("Harrow Hill", "Fieldgate"), ("", "Corn Fed"),
         ("Skinless", "Skin On"), ((650, "g"), (300, "g"), (1, "kg")), twins=("Free Range",),
         price=4.60),
    Kind(F, "Fresh/Fish", "Smoked Salmon", ("Saltmarsh", "Loch Arran"), ("Scottish", "Oak Smoked"),
         ("Sliced", "Trimmings"), ((100, "g"), (200, "g")), price=3.50),
    Kind(F, "Fresh/Dips", "Houmous", ("Levant Table", "Dipworth"), ("", "Reduced Fat"),
         ("Classic", "Red Pepper", "Caramelised Onion", "Lemon & Coriander"), ((200, "g"), (300,
         "g")),
         packs=(4,), price=1.20),
    Kind(F, "Bakery/Bread", "Sourdough Loaf", ("Loafwright", "Bakehaus"), ("Artisan", ""),
         ("White", "Seeded", "Rye"), ((800, "g"), (400, "g")), price=2.20),
    Kind(F, "Bakery/Rolls", "Bagels", ("Loafwright", "Bakehaus"), ("New York", ""),
         ("Plain", "Sesame", "Cinnamon & Raisin", "Multiseed"), ((5,
         "ct"),), packs=(2,), price=1.30),
    Kind(F, "Fruit & Veg/Fruit", "Apples", ("",), ("",), ("Braeburn", "Gala", "Pink Lady",
         "Granny Smith"),
         price=2.40, weighed="kg"),
    Kind(F, "Fruit & Veg/Veg", "Tomatoes", ("",), ("",), ("Vine", "Plum", "Beef", "Cherry Vine"),
         price=3.20, weighed="kg"),
    Kind(F, "Fruit & Veg/Fruit", "Bananas", ("",), ("",), ("Fairtrade", "Organic"), price=0.90,
         weighed="kg"),
    Kind(F, "Deli/Cooked Meats", "Ham", ("",), ("Deli Counter",), ("Honey Roast", "Smoked",
         "Wiltshire Cured",
         "Breaded"), price=1.95, weighed="100g"),
    Kind(F, "Deli/Cheese", "Cheese", ("",), ("Deli Counter",), ("Brie", "Stilton", "Red Leicester",
         "Wensleydale with Cranberries"), price=1.60, weighed="100g"),
    Kind(F, "Bakery/In-Store", "Bloomer", ("",), ("In-Store Baked",), ("White", "Wholemeal",
         "Seeded"),
         price=1.50, weighed="each"),
    Kind(B, "Hair/Shampoo", "Shampoo", ("Silkwave", "Verdelle"), ("Hydra Boost", "Pure Balance"),
         ("Coconut", "Argan Oil", "Anti-Dandruff", "Colour Protect", "Volume"),
         ((250, "ml"), (400, "ml"), (700, "ml")), packs=(2,), price=3.20),
    Kind(B, "Hair/Conditioner", "Conditioner", ("Silkwave", "Verdelle"), ("Hydra Boost",
         "Pure Balance"),
         ("Coconut", "Argan Oil", "Colour Protect", "Smooth & Silky"), ((250, "ml"), (400, "ml")),
         price=3.20),
    Kind(B, "Bath/Shower", "Shower Gel", ("Aquella", "Verdelle"), ("Energising", "Calm"),
         ("Citrus Burst", "Lavender", "Sea Minerals", "Mango & Lime"), ((250, "ml"), (500, "ml")),
         packs=(3,), price=1.80),
    Kind(B, "Bath/Deodorant", "Anti-Perspirant", ("Aquella", "Strata"), ("48H", "Invisible"),
         ("Spray", "Roll-On"), ((150, "ml"), (250, "ml")), twins=("Fragrance Free",), price=2.60),
    Kind(B, "Dental/Toothpaste", "Toothpaste", ("Pearlo", "Dentiq"), ("Pro Care", "Daily"),
         ("Whitening", "Sensitive", "Fresh Mint", "Enamel Repair"), ((75, "ml"), (100, "ml")),
         packs=(3,), price=2.10),
    Kind(B, "Makeup/Foundation", "Foundation", ("Nuvelle", "Lumora"), ("Skin Perfect",
         "Matte Wear"),
         ("110 Porcelain", "150 Ivory", "220 Natural Beige", "310 Sand", "420 Caramel"),
         ((30, "ml"),), twins=("SPF 15",), price=9.99),
    Kind(B, "Makeup/Lips", "Lipstick", ("Nuvelle", "Lumora"), ("Velvet Matte", "Colour Rich"),
         ("01 Nude Rose", "05 Berry Crush", "12 Ruby Red", "20 Coral Kiss"), ((3.5, "g"),),
         price=6.50),
    Kind(B, "Suncare", "Sun Lotion", ("Solace Sun", "Helio"), ("Protect & Moisturise", "Kids"),
         ("SPF 15", "SPF 30", "SPF 50"), ((200, "ml"), (100, "ml")), price=7.00),
    Kind(B, "Skincare/Face", "Face Moisturiser", ("Dermacalm", "Verdelle"), ("Daily Hydration",
         "Age Defy"),
         ("Normal Skin", "Dry Skin", "Sensitive Skin"), ((50,
         "ml"),), twins=("SPF 30",), price=8.50),
    Kind(B, "Health/Vitamins", "Tablets", ("Vitaform", "Hale Nutrition"), ("Vitamin D 25ug",
         "Vitamin C 1000mg",
         "Multivitamin"), ("",), ((30, "ct"), (90, "ct"), (180, "ct")), price=4.00),
    Kind(B, "Health/Pain Relief", "Ibuprofen 200mg Tablets", ("Medivale", "Curaline"), ("",),
         ("Coated", "Caplets"), ((16, "ct"), (24, "ct")), price=1.10),
    Kind(A, "Womens/Jeans", "Womens Slim Fit Jeans", ("Kestrel Denim", "Harbour & Pine"), ("",
         "Stretch"),
         ("Indigo", "Black", "Stone Wash", "Light Blue"), price=35.0, sizing="waist"),
    Kind(A, "Mens/Chinos", "Mens Regular Fit Chinos", ("Harbour & Pine", "Ashgrove"), ("",
         "Stretch"),
         ("Navy", "Stone", "Khaki", "Black"), price=30.0, sizing="waist"),
    Kind(A, "Mens/T-Shirts", "Mens Crew Neck T-Shirt", ("Ashgrove", "Fable Knit"), ("Essential",
         "Organic Cotton"),
         ("White", "Black", "Navy", "Grey", "Burgundy"), price=12.0, sizing="letter"),
    Kind(A, "Womens/Hoodies", "Womens Oversized Hoodie", ("Fable Knit", "Ashgrove"), ("Lounge", ""),
         ("Grey", "Black", "Sage Green", "Cream"), price=28.0, sizing="letter"),
    Kind(A, "Womens/Shoes", "Womens Running Trainers", ("Stridewell", "Kinetra"), ("Cloud Run",
         "Pace 2"),
         ("White", "Black", "Pink", "Grey"), price=65.0, sizing="shoe"),
    Kind(A, "Mens/Shoes", "Mens Leather Chelsea Boots", ("Stridewell", "Harbour & Pine"), ("",
         "Classic"),
         ("Brown", "Black", "Tan"), price=85.0, sizing="shoe"),
)  # fmt: skip

# Stores' own labels: (store, label brand, groups it covers); a label copies national lines.
OWN_LABELS = (
    ("ValuKing", "ValuKing Best", ("grocery", "fresh", "beauty")),
    ("Greenbasket", "Greenbasket Finest", ("grocery", "fresh")),
    ("Hale & Well Pharmacy", "Hale & Well", ("beauty",)),
    ("Market Square", "Market Square Essentials", ("grocery", "fresh")),
    ("Threadline", "Threadline Basics", ("apparel",)),
)
GROUP_SHARE = {"grocery": 0.5, "fresh": 0.2, "beauty": 0.22, "apparel": 0.08}  # of lines

LETTER_SIZES = (("XS", "X-Small"), ("S", "Small"), ("M", "Medium"), ("L", "Large"),
                ("XL", "X-Large"), ("XXL", "XX-Large"))  # fmt: skip
WAIST_SIZES = ((28, 30), (30, 30), (30, 32), (32, 30), (32, 32), (34, 32), (36, 32))
SHOE_SIZES = ((4, 37), (5, 38), (6, 39), (7, 40.5), (8, 42), (9, 43), (10, 44.5))

# Spellings that change nothing about the product.
SAME = {
    "Semi Skimmed": ("Semi-Skimmed",), "Yoghurt": ("Yogurt",), "Free Range": ("Free-Range",),
    "Sugar Free": ("Zero Sugar", "Sugar-Free"), "Decaf": ("Decaffeinated",),
    "Gluten Free": ("Gluten-Free", "GF"), "Wholewheat": ("Whole Wheat",), "Womens": ("Women's",
    "Ladies"), "Mens": ("Men's",), "T-Shirt": ("Tee", "T Shirt"), "Moisturiser": ("Moisturizer",),
    "Colour": ("Color",), "Grey": ("Gray",), "Navy": ("Navy Blue",), "Houmous": ("Hummus",),
    "Anti-Perspirant": ("Antiperspirant", "Deodorant"), "Chilli": ("Chili",),
    "Caramelised": ("Caramelized",), "Roll-On": ("Roll On",), "Lactose Free": ("Lactose-Free",),
    "Fat Free": ("0% Fat",), "&": ("and",), "Sea Salt": ("Sea Salted",),
    "Trainers": ("Sneakers",),
}  # fmt: skip
ABBREV = {
    "Semi Skimmed": "S/Skim", "Skimmed": "Skmd", "Chocolate": "Choc", "Strawberry": "Straw",
    "Womens": "Wmns", "Mens": "Mns", "Original": "Orig", "Vanilla": "Van", "Organic": "Org",
    "Sparkling": "Spkl", "Moisturiser": "Moist", "Shampoo": "Shamp", "Conditioner": "Cond",
    "Large": "Lge", "Medium": "Med", "Yoghurt": "Yog", "Cheese": "Chse", "Free Range": "F/Range",
    "Wholemeal": "W/Meal", "Raspberry": "Rasp", "Biscuits": "Bisc", "Digestive": "Dig",
    "Tablets": "Tabs", "Peppermint": "Pmint", "Breakfast": "Bkfst", "Smoked": "Smkd",
    "Crunchy": "Crnchy", "Reduced": "Red.", "Sensitive": "Sens", "Whitening": "Whtng",
    "Chicken": "Chkn", "Skinless": "S/Less", "Unsalted": "Unsltd", "Spreadable": "Sprdbl",
    "Sourdough": "S/Dough", "Houmous": "Hmus", "Tomato": "Tom", "Tomatoes": "Toms",
    "Coffee": "Cof", "Granola": "Gran", "Juice": "Jce", "Regular": "Reg", "Oversized": "O/Size",
}  # fmt: skip
BRAND_ALIASES = {
    "Marlowe's": ("Marlowes", "MARLOWES"), "Fenwick & Rye": ("Fenwick and Rye", "Fenwick&Rye"),
    "Harbour & Pine": ("Harbour and Pine", "H&P"), "Oldmoor Farms": ("Oldmoor",),
    "Dunmore Dairy": ("Dunmore",), "Kestrel Denim": ("Kestrel",), "Solace Sun": ("Solace",),
    "Levant Table": ("The Levant Table",), "Crumbly Co": ("Crumbly Co.", "Crumbly"),
}  # fmt: skip

# Words that say nothing about which product it is.
NOISE = ("New", "Improved Recipe", "Family Favourite", "Fresh", "Deal", "Save 30p",
         "Online Exclusive", "Bestseller", "3 for £5", "Half Price", "Members Price",
         "Top Seller", "Great Value", "NEW!", "Price Drop", "Multibuy")  # fmt: skip
