"""A pair's evidence: model codes however they are written, conflicts, weak words."""

from __future__ import annotations

from matcher.features import PairFeatures, Side, pair_features, read_side, with_rivals


def features(a: str, b: str, *brands: str) -> PairFeatures:
    return pair_features(
        read_side(a, brands), read_side(b, brands), brand=None, gtin_conflict=False
    )


def test_a_model_code_is_one_code_however_it_is_written():
    for spelling in ("KX-FG2451 fax", "kxfg2451 fax", "KX FG2451 fax", "kx-fg2451 FAX"):
        f = features("Panasonic KX-FG2451 plain paper fax", spelling, "panasonic")
        assert f.code_shared == 1.0 and f.code_conflict == 0.0, spelling
    spaced = features("Sennheiser HD 587 In-Ear Headphones", "sennheiser hd587", "sennheiser")
    assert spaced.code_shared == 1.0


def test_a_code_that_extends_another_is_another_product():
    assert features("HP CE505X toner", "HP CE505XD toner", "hp").code_conflict == 1.0
    assert features("Canon MX700 printer", "Canon MX850 printer", "canon").code_conflict == 1.0
    # ... and a code never matches inside a longer one written in parts.
    assert features("Canon PG-755 ink", "Canon PG-755XL ink", "canon").code_shared == 0.0


def test_a_second_part_number_on_one_side_is_extra_not_conflict():
    f = features("Zeta P480 photo printer 2918Z002", "zeta photo all-in-one printer P480", "zeta")
    assert (f.code_shared, f.code_extra, f.code_conflict) == (1.0, 1.0, 0.0)


def test_one_sided_descriptive_words_are_weak_evidence_not_conflicts():
    f = features("Acme AX-200 plain paper fax", "acme plain-paper fax/copier grey AX200", "acme")
    assert f.variant_conflict == 0.0 and 0 < f.variant_one_side <= 0.5
    noisy = features("Sony DCR-SR45 camcorder - $129.99 brand new", "Sony DCRSR45 camcorder")
    assert noisy.noise_words > 0 and noisy.number_conflict == 0.0
    assert features("Acme Cola black", "Acme Cola red").variant_conflict == 1.0


def test_supplies_packs_and_promotional_sizes_are_other_products():
    assert features("Compatible toner for HP CE505X", "HP CE505X toner").third_party == 1.0
    assert features("Toner remanfactured for HP CE505X", "HP CE505X toner").third_party == 1.0
    assert features("HP 61 ink twin pack", "HP 61 ink, 1 ct").pack_conflict == 1.0
    assert features("Cola 6 x 330ml", "Cola 330 ml can").pack_conflict == 1.0
    # A cut-short name that states no size only may be the pack.
    assert features("COLA ZERO SUGAR 24", "Cola Zero Sugar, 12 fl oz, 24 Pack").pack_conflict == 0.0
    bonus = features("Salted Butter 250 g + 20% Extra Free", "Salted Butter, 300 g (+20% Free)")
    assert bonus.size_conflict == 0.0 and bonus.bonus_one_side == 0.0
    assert features("Salted Butter 250 g + 20% Extra Free", "Salted Butter, 250 g").bonus_one_side


def test_rivals_count_candidates_that_explain_the_name_as_well():
    store = read_side("MORNING GLORY STRAWBERRY YOGURT", ())
    sizes = [read_side(f"Morning Glory Strawberry Yogurt, {s}", ()) for s in ("5.3 oz", "32 oz")]
    other = read_side("Morning Glory Blueberry Yogurt, 5.3 oz", ())
    listed = with_rivals(
        [pair_features(store, c, brand=None, gtin_conflict=False) for c in [*sizes, other]]
    )
    assert listed[0].rivals > 0 and listed[1].rivals > 0
    assert all(0.0 <= v <= 1.0 for f in listed for v in f.vector())


def test_a_number_with_a_word_glued_on_is_a_specification_not_a_code():
    f = features("wrt521n 4-Port Gigabit Router", "Linksys WRT526N 4 Port Gigabit Router")
    assert (f.code_shared, f.code_conflict) == (0.0, 1.0)
    assert read_side("60x zoom 720p camcorder 3-user", ()).codes == frozenset()


def test_one_platform_by_another_name_and_a_media_note_are_no_conflict():
    f = features("Crimson Hunters 4 - Windows DVD-ROM", "Crimson Hunters 4 (PC)")
    assert f.variant_conflict == 0.0 and f.noise_words > 0
    assert features("Total Protection (Mac DVD)", "Total Protection for Windows").variant_conflict


def test_a_pack_is_weighed_by_the_side_that_names_it():
    single = "Epson 81 S053359A Black Toner Cartridge"
    for pack in ("Epson 81 Toner Cartridge Pack of 2 - S053359A", "Epson 81 S053359A, 2/Pack"):
        f = features(pack, single, "epson")
        assert (f.pack_store_only, f.pack_cand_only) == (1.0, 0.0), pack
    assert features(single, "Epson 81 S053359A (2 pack)", "epson").pack_cand_only == 1.0


def test_a_colour_letter_after_a_code_is_that_colour_not_another_model():
    f = features("LG 32LG30B 32in LCD HDTV, Piano Black", "LG 32LG30 32 LCD HDTV", "lg")
    assert (f.code_colour, f.code_conflict) == (1.0, 0.0)
    assert features("LG 32LG30D LCD HDTV, Black", "LG 32LG30 LCD HDTV", "lg").code_conflict


def test_a_provisional_candidate_is_flagged_and_rivals_nobody():
    store = read_side("Fizz Ginger Beer 330ml", ())
    catalog = read_side("Fizz Ginger Beer, 330 ml", ())
    twin = read_side("FIZZ GINGER BEER 330ML", ())
    listed = with_rivals(
        [
            pair_features(store, catalog, brand=None, gtin_conflict=False),
            pair_features(store, twin, brand=None, gtin_conflict=False, provisional=True),
        ]
    )
    assert (listed[0].rivals, listed[0].provisional, listed[1].provisional) == (0.0, 0.0, 1.0)
    assert listed[1].rivals > 0


def test_numbers_conflict_when_each_side_has_one_the_other_lacks():
    assert features("Stretch Chinos Navy 36/32", "Stretch Chinos Navy 30/32").number_conflict
    more = features("Phone 2 handsets expandable up to 6", "Phone 2 handsets")
    assert more.number_conflict == 0.0


def test_a_long_model_number_with_its_letter_conflicts_with_another_long_number():
    # "48213K" is model 48213 in its colour, not a code unrelated to "48702".
    lettered = features("Zeno Vault 1TB portable drive - 48213K", "Zeno Vault 48702 1TB drive")
    assert lettered.number_conflict == 1.0
    litre = features("zeno vault 2 tb portable hdd green - 55127g", "Zeno Vault 55981 2 TB HDD")
    assert litre.number_conflict == 1.0 and litre.size_conflict == 0.0
    same = features("Zeno Vault 1TB portable drive - 48213K", "Zeno Vault 48213 1TB drive")
    assert same.number_conflict == 0.0


def test_a_short_number_with_the_same_letter_glued_on_tells_models_apart():
    assert features(
        "Orva Pulse 4T wireless speaker", "Orva Pulse wireless speaker - 7T"
    ).number_conflict
    assert (
        features("Orva Pulse 4T speaker", "Orva Pulse 4T wireless speaker").number_conflict == 0.0
    )
    # Another letter is another thing said, no conflict: "4T" against "20W".
    assert features("Orva Pulse 4T speaker", "Orva Pulse 20W speaker").number_conflict == 0.0


def test_a_colour_named_more_closely_is_the_same_colour():
    assert features("Chinos Navy Blue W30 L30", "Chinos, Navy, W30 L30").variant_conflict == 0.0
    assert features("Chinos Navy Blue W30 L30", "Chinos, Khaki, W30 L30").variant_conflict


def test_a_word_for_another_word_is_a_swap_not_two_one_sided_words():
    swap = features("Orange Juice Lots of Pulp 52 fl oz", "Orange Juice, Low Acid, 52 fl oz")
    assert swap.words_swapped == 1.0
    short = features("Orange Juice 52 fl oz", "Orange Juice, Low Acid, 52 fl oz")
    assert short.words_swapped == 0.0 and short.extra_cand_words > 0


def test_another_model_of_the_line_spelled_almost_alike_is_a_conflict():
    # A standard (802.11n) on both sides is no model code, so it cannot hide the conflict.
    belkin = features("Belkin N+ 802.11n Router - F5D7980", "Belkin N+ 802.11n Router F5D7988")
    assert (belkin.code_shared, belkin.code_conflict) == (0.0, 1.0)
    # ... nor a shared code of the line; the other side's tokens joined count as a code.
    both = features("Acme AX200 fax AX-2018 kit", "Acme AX200 fax AX2019")
    assert (both.code_shared, both.code_conflict) == (1.0, 1.0)
    sd = features("Ultra II 8 GB SD card - SDSDH8GE", "SanDisk Ultra II SDSDH-8GB 8GB Class 6")
    assert sd.code_conflict == 1.0
    # A camera's code ends in "p" (not a resolution), and a bare number against a code's
    # digits is another model ("7182" / "DCC-4049").
    assert features("Stylus 3843P 10.0 MP camera", "Stylus 3840P 10.0 MP Camera").code_conflict
    assert features("coffee maker - 7182", "Cuisinart DCC-4049 Coffee Maker").code_conflict
    assert not features("coffee maker - 7182", "Cuisinart DCC-7182 Coffee Maker").code_conflict
    # The same code in another spelling, or a shop's item number, is no conflict.
    assert not features("Stylus 3843P 10.0 MP (226545)", "Stylus 3843P camera").code_conflict
    assert not features("KX FG2451 fax", "Panasonic KX-FG2451 fax").code_conflict


def test_a_supply_for_a_code_is_not_the_product_with_that_code():
    oem = "Brother LC93 Yellow Ink Cartridge"
    reman = "Innovera 88016 Remanufactured Ink Cartridge, Yellow (Replaces Brother LC93)"
    # The maker's own cartridge "for use in" a printer is no third-party supply ...
    hosted = "Brother LC93 Ink Cartridge for use in MFC-4472CW, Yellow"
    assert features(hosted, oem).third_party == 0.0
    assert features(hosted, reman).third_party == 1.0
    # ... a cartridge "for use in" the maker's cartridge code is one.
    generic = "Ink Cartridge Yellow for use in Brother LC93"
    assert features(generic, oem).third_party == 1.0
    assert features(generic, reman).third_party == 0.0
    # Only the first code after "fits" is what the product fits.
    pos = "Hp 94A Toner Cartridge Yellow Fits Laserjet P5491Dn - Ce398A"
    assert features("Innovera toner Yellow compatible HP CE398A", pos).third_party == 1.0


def test_counted_handsets_that_differ_conflict():
    assert features("Uniden 3Hs DECT 6.0 Phone", "Uniden 4 Handsets DECT 6.0 Phone").number_conflict
    same = features("Uniden w/ 3 handsets DECT 6.0", "Uniden 3-Handset DECT 6.0 expandable up to 6")
    assert same.number_conflict == 0.0


def test_a_pack_said_in_words_is_a_pack():
    single = "Epson 35 Black Toner Cartridge (S053765A)"
    assert features("Epson 35 S053765A Toner Black Dual Pack", single).pack_store_only == 1.0
    value = features("Brother LC12 Value Pack, Black", "Brother LC12 Black Ink Cartridge")
    assert value.pack_store_only == 1.0
    two = features("Brother LC12 Value Pack, Black", "Brother LC12 Ink Cartridge, 2/Pack")
    assert (two.pack_conflict, two.pack_store_only, two.pack_cand_only) == (0.0, 0.0, 0.0)
    assert features("Brother LC12 Value Pack", "Brother LC12 Ink, 1 ct").pack_conflict == 1.0


def test_a_finish_or_an_edition_the_store_names_is_another_product():
    tv = "Samsung LN46N913B 46in LCD HDTV"
    assert features(f"{tv} Piano Black", f"{tv}, Black").variant_conflict == 1.0
    # The store may leave the finish out, or name no colour at all.
    assert features(f"{tv} Black", f"{tv}, Piano Black").variant_conflict == 0.0
    assert features(f"{tv} Piano Black", tv).variant_conflict == 0.0
    game = "Savage Protocol (PlayStation 3)"
    assert features("savage protocol ce ps3", game).variant_conflict == 1.0
    edition = features("savage protocol ps3", "Savage Protocol Collector's Edition PS3")
    assert edition.variant_conflict == 0.0


def test_platforms_by_their_short_names_and_downloads_by_side():
    assert features("Dark Protocol PC DVD", "Dark Protocol (Nintendo DS)").variant_conflict == 1.0
    assert features("Frontier - NDS", "Frontier (Nintendo DS)").variant_conflict == 0.0
    f = features("iwork 09 family pack (mac) [download]", "Apple iWork 09 Family Pack for Mac")
    assert (f.download_store_only, f.download_cand_only) == (1.0, 0.0)
    g = features("iWork 09 mac dvd", "Apple iWork 09 for Mac ESD")
    assert (g.download_store_only, g.download_cand_only) == (0.0, 1.0)


def test_a_number_glued_to_its_unit_or_in_words_is_the_same_number():
    tv = "Viera TC-P46E47 46in 1080p LCD HDTV"
    spelled = features(f"{tv} 120 Hz three HDMI", f"{tv} 120Hz 3 HDMI")
    assert spelled.number_conflict == 0.0
    assert features(f"{tv} 3x HDMI 120 Hz", f"{tv} 120Hz 3 HDMI").number_conflict == 0.0
    assert features(f"{tv} 240 Hz 4 HDMI", f"{tv} 120Hz 3 HDMI").number_conflict == 1.0


def test_a_shelf_offer_and_a_shoe_size_are_no_numbers_or_codes_of_the_product():
    offer = features("3 for £5 Olive Oil Light & Mild 750 ml", "Olive Oil Light & Mild, 750 ml")
    assert (offer.number_conflict, offer.noise_words) == (0.0, 0.0)
    shoe = features("Cloud Run Ladies Trainers - Grey - UK4", "Cloud Run Womens Trainers, UK 4")
    assert shoe.code_one_side == 0.0 and shoe.variant_conflict == 0.0


def test_a_code_one_letter_longer_than_the_other_sides_is_another_product():
    f = features("SanDisk Ultra II SDSDH-16GD 16gb", "SanDisk Ultra II 16GB - SDSDH-16G")
    assert f.code_conflict == 1.0
    # ... unless the letter is the colour either name states.
    red = features("My Passport WDBAAA32000R 320GB, Red", "My Passport WDBAAA32000 320GB")
    assert red.code_conflict == 0.0 and red.code_colour == 1.0


def test_a_code_without_its_letter_prefix_is_the_same_code():
    f = features("TG9025 Panasonic Cordless Phone", "Panasonic KX-TG9025 Cordless Phone")
    assert (f.code_shared, f.code_conflict) == (1.0, 0.0)
    assert features("G9025 phone", "Panasonic KX-TG9026 phone").code_conflict == 1.0


def test_a_variant_word_abbreviated_on_a_shelf_label_is_the_same_variant():
    beer = "Tamberly Original Ginger Beer Sparkling Drink, 330 ml"
    assert features("TAMBERLY SPKL DRINK GINGER BEER 330ML", beer).variant_conflict == 0.0
    assert features("TAMBERLY LEMON DRINK 330ML", beer).variant_conflict == 1.0
    cheddar = "Dunmore Dairy Farmhouse Smoked Mature Cheddar, 200 g"
    assert features("DUNMORE FARMHOUSE SMKD MATURE CHEDDAR 200G", cheddar).variant_conflict == 0.0
    # ... but another variant word is never an abbreviation nor a misspelling of one.
    for a, b in (("Salted", "Unsalted"), ("Sweetened", "Unsweetened"), ("Mens", "Womens")):
        assert features(f"{a} Butter 250g", f"{b} Butter 250g").variant_conflict == 1.0, a
    assert features("Berry muffin", "Blueberry muffin").variant_conflict == 1.0


def test_a_standard_is_no_model_code_and_cannot_hide_two_alike_codes():
    lexar = "Lexar 4G Class6 Secure Digital Memory Card - LSD4GBASBNAE"
    f = features("LSD8GBASBNAE Lexar SD card 8GB Class 6", lexar)
    assert (f.code_shared, f.code_conflict) == (0.0, 1.0)
    both = features("Acme AX200 fax AXK4471B kit", "Acme AX200 fax AXK4479B kit")
    assert (both.code_shared, both.code_conflict) == (1.0, 1.0)
    assert read_side("Memory Card Class 6 USB 2 Cat6", ()).codes == frozenset()


def test_a_shops_price_stock_and_item_numbers_conflict_with_nothing():
    # "$369!", "Qty: 9", "5 in stock", "(452.04 USD)": the offer, not the product; a number
    # there must not conflict with the other name's "3 HDMI", nor read as five inches.
    tv = "Sharp Aquos LC-46D57UB 46in 3 HDMI 120Hz LCD HDTV"
    for note in ("$369!", "only $1619!", "Qty: 9", "(qty 9)", "- 5 in stock", "[7 avail]"):
        f = features(f"Sharp LC46D57UB 46in LCD HDTV {note}", tv, "sharp")
        assert f.number_conflict == 0.0 and f.size_conflict == 0.0, note
        assert f.noise_words > 0, note
    # A shop's item number (five digits or more) is no attribute and names no series.
    game = features("Sony PS3 Lost Hunters (retail box) 34990", "Lost Hunters - PlayStation 3")
    assert game.number_conflict == 0.0 and game.code_conflict == 0.0
    assert read_side("Lost Hunters retail box 34990", ()).codes == frozenset()
    assert features("Acme Jeans waist 32 leg 32", "Acme Jeans waist 34 leg 32").number_conflict


def test_free_shipping_is_no_promotional_size_and_a_shouted_word_no_variant():
    f = features("Lexmark X6990 All-in-One Printer FREE SHIPPING!", "Lexmark X6990 Printer")
    assert f.bonus_one_side == 0.0 and f.variant_conflict == 0.0
    hot = features(
        "HOT! Hamilton Beach 50223W Coffee Maker White", "Hamilton Beach 50223W Coffee Maker, White"
    )
    assert hot.variant_conflict == 0.0 and hot.noise_words > 0
    assert features("Acme Salsa Hot 16 oz", "Acme Salsa Mild 16 oz").variant_conflict == 1.0


def test_a_candidate_stands_against_the_best_of_the_others():
    store = read_side("Brother TN-305A Toner Cartridge", ("brother",))
    single = read_side("Brother TN-305A Toner Cartridge", ("brother",))
    pack = read_side("Brother TN-305A Toner Cartridge, 2/Pack", ("brother",))
    other = read_side("Brother TN-450 Toner Cartridge", ("brother",))
    listed = with_rivals(
        [pair_features(store, c, brand=None, gtin_conflict=False) for c in (single, pack, other)]
    )
    # The pack says what the store's name does not, and the single explains it as well.
    assert listed[1].plainer_rival == 1.0 and listed[0].plainer_rival == 0.0
    assert listed[0].cover_behind == 0.0 and listed[0].sim_behind == 0.0
    alone = with_rivals([pair_features(store, single, brand=None, gtin_conflict=False)])[0]
    assert alone.cover_lead == alone.cover_min and alone.sim_lead == alone.sim_sort


def test_free_range_and_gluten_free_are_no_promotion():
    for name in ("Henstead Free Range Eggs, 6 Pack", "Casa Olivo Gluten Free Farfalle, 1 kg"):
        assert read_side(name, ()).bonus_pct is None, name
    assert read_side("Salted Butter 250 g + 20% Extra Free", ()).bonus_pct == 20.0


def test_a_waist_and_leg_are_one_size_however_they_are_written():
    catalog = "Ashgrove Stretch Mens Regular Fit Chinos, Khaki, W32 L30"
    for store in ("ASHGROVE STRETCH MEN'S REGULAR FIT CHINOS KHAKI 32X30", "Chinos Khaki 32W 30L"):
        f = features(store, catalog, "ashgrove")
        assert (f.code_conflict, f.pack_store_only, f.size_one_side) == (0.0, 0.0, 0.0), store
    assert features("Chinos Khaki 32W 32L", catalog, "ashgrove").code_conflict == 1.0


def test_a_name_cut_mid_word_says_nothing_of_the_words_after_the_cut():
    coffee = "ValuKing Best Roastery Dark Roast Ground Coffee, 227 g"
    assert features("VALUKING BEST ROASTERY DARK RO", coffee).variant_conflict == 0.0
    # A cut word that is not the next word of the other name is no cut of it.
    yogurt = "Strawberry Banana Yogurt, 5.3 oz"
    assert features("STRAWBERRY YOGURT B", yogurt).variant_conflict == 1.0


def test_a_long_number_conflicts_only_with_another_long_number():
    drive = "Iomega eGo External Hard Drive 30184 250GB"
    assert features("EGO 34184 250GB EXTERNAL HARD DRIVE - SKU 367840", drive).number_conflict
    assert not features("Iomega eGo 30184 250GB drive", drive).number_conflict


def test_two_supplies_for_one_printer_do_not_share_its_code():
    f = features(
        "CE759X toner cartridge high-yield Cyan for use in LaserJet P1840dn",
        "Inkjoy Toner Cartridge compatible HP CE760A fits LaserJet P1840dn - IJ969, Magenta",
    )
    assert f.code_shared == 0.0 and f.code_conflict == 1.0


def test_a_platform_in_two_words_is_that_platform():
    f = features("Dark Hunters xbox360 DVD-ROM", "Dark Hunters (PlayStation 3)")
    assert f.variant_conflict == 1.0
    assert features("Dark Hunters Xbox 360", "Dark Hunters (X360)").variant_conflict == 0.0


def test_a_shops_colour_or_region_letter_after_the_model_number_is_the_model():
    # bench_matching titles: "DCR-SR56S" against "DCR-SR56" capped as another model.
    f = features("Sony Handycam DCR-SR56S 120GB camcorder", "Sony Handycam DCR-SR56 120GB", "sony")
    assert (f.code_conflict, f.code_colour) == (0.0, 1.0)
    written_alone = features("Iomega eGo 320GB Drive - 31267S", "Iomega eGo 320GB Drive - 31267")
    assert written_alone.code_conflict == 0.0
    spaced = features("Sennheiser HD 797R In-Ear Earbuds", "Sennheiser HD 797 In-Ear Headphones")
    assert spaced.code_conflict == 0.0
    # A letter after a letter, or the catalog's code the longer one: another model.
    assert features("HP CE505XD toner", "HP CE505X toner", "hp").code_conflict == 1.0
    assert features("Dyson DC11 vacuum", "Dyson DC11R vacuum", "dyson").code_conflict == 1.0


def test_a_platform_is_no_model_code_nor_a_pack():
    # "X360" read as a code against "Xbox 360", and as "x360": a pack of 360.
    f = features("ETERNAL WARRIORS 4: DARK TACTICS X360", "Eternal Warriors 4 - Xbox 360")
    assert (f.code_conflict, f.pack_store_only, f.variant_conflict) == (0.0, 0.0, 0.0)
    assert read_side("Hidden Racers 3 (X360)", ()).pack is None
    assert features("Dark Storm (X360)", "Dark Storm (PS3)").variant_conflict == 1.0


def test_a_strength_is_no_size_against_a_pack():
    # "200mg" made the single a sized product, so "16 Pack" conflicted with it.
    f = features("COATED IBUPROFEN 200MG TABLETS", "Coated Ibuprofen 200mg Tablets, 16 Pack")
    assert (f.pack_conflict, f.pack_cand_only) == (0.0, 1.0)
    assert features("Cola 330 ml", "Cola 6 x 330 ml").pack_conflict == 1.0


def test_a_name_cut_after_a_joining_word_says_nothing_of_what_followed():
    # "LEMON &" against "Lemon & Lime": a till cut the name, not another flavour.
    f = features("ZESTO SPARKLING DRNIK LEMON &", "Zesto Lemon & Lime Sparkling Drink, 330 ml")
    assert f.variant_conflict == 0.0
    assert features("ZESTO SPARKLING LEMON", "Zesto Lemon & Lime Sparkling").variant_conflict == 1.0


def test_pounds_and_ounces_and_imperial_pints_are_sizes_of_their_own():
    # "2 lb 3 oz" read as two sizes, neither 1 kg; "2 Pints" as US pints (946 ml).
    assert features("peanut butter 2 lb 3 oz", "Peanut Butter 1 kg").size_match == 1.0
    assert features("Whole Milk 1.14L", "Whole Milk, 2 Pints").size_match == 1.0
    assert features("unsalted butter 1 lb 2 oz", "Unsalted Butter, 250 g").size_conflict == 1.0
    assert features("Cola 12 oz", "Cola 330 ml").size_conflict == 1.0
    # 18.6 oz is 527 g, not the line's 19 oz can (an ounce's rounding made it one).
    assert features("Clam Chowder 527 g", "Clam Chowder 19 oz").size_conflict == 1.0


def test_two_products_for_one_thing_are_no_supply_for_each_other():
    # "for iPod Speaker System - IMT238": the code after "for" read as the target.
    f = features("Subwoofer for iPod Speaker System - IMT238", "IMT238 Subwoofer for iPod")
    assert (f.third_party, f.code_shared) == (0.0, 1.0)
    assert features("Toner for HP CE505X", "HP CE505X toner").third_party == 1.0


def test_pence_off_is_a_shop_note_not_a_model_code():
    # "Save 30p" read "30p" as a model code the catalog's name lacked.
    f = features("Skinless Chicken Breast Fillets 650g - Save 30p", "Skinless Chicken Breast 650 g")
    assert (f.code_one_side, f.code_conflict) == (0.0, 0.0) and f.noise_words > 0


def test_a_lens_aperture_is_no_weight_and_its_focal_range_tells_lenses_apart():
    """ "f/3.5-5.6G": the G is the lens type, not 5.6 grams; read as a weight, it matched
    the other lens's and hid its other focal range (bench_matching linked the two)."""
    short = "Nikon AF-S Nikkor Zoom Autofocus Lens - 28-135mm f/3.5-5.6G VR"
    long_ = "Nikon AF-S Nikkor 28-300mm f/3.5-5.6G VR Autofocus Lens"
    assert not [q for q in read_side(short, ("nikon",)).sizes if q.unit == "g"]
    f = features(short, long_, "nikon")
    assert (f.size_conflict, f.size_match) == (1.0, 0.0)
    same = features(short, "Nikon AF-S Nikkor 28-135mm F3.5-5.6 G VR Zoom Lens", "nikon")
    assert (same.size_match, same.size_conflict, same.number_conflict) == (1.0, 0.0, 0.0)
    # An f with a whole number alone is a model code, as it was.
    assert read_side("HP F4280 All-in-One Printer", ("hp",)).codes == {"f4280"}


def test_a_colour_a_listing_shortens_is_that_colour():
    """ "ss" (stainless steel), "blk", "wht": read as the colour, so that another colour
    on the other side conflicts (bench_matching linked "dcc7182 ... ss" to the white
    DCC-7182W), and the same colour agrees."""
    white = "Cuisinart Coffee Maker DCC-7182W Thermal Carafe Programmable, White"
    assert features("dcc7182 programmable coffee maker ss", white, "cuisinart").variant_conflict
    steel = "Cuisinart DCC-7182 Programmable Coffee Maker, Stainless Steel"
    same = features("Cuisinart DCC-7182 Coffee Maker SS", steel, "cuisinart")
    assert (same.variant_conflict, same.variant_one_side) == (0.0, 0.0)
    black = features("Brother TN-991A toner blk", "Brother TN-991A Black Toner", "brother")
    assert (black.variant_conflict, black.variant_one_side) == (0.0, 0.0)


def test_a_line_word_said_on_one_side_is_evidence_of_its_own():
    """ "Classic", "Original": filler a store leaves out, so never content; said by one
    side only, they are weighed (bench_matching linked "Classic Original Digestive
    Biscuits" to the maker's "Original Digestive Biscuits", content word for word)."""
    plain = "Fenwick & Rye Original Digestive Biscuits, 300 g"
    classic = "Fenwick & Rye Classic Original Digestive Biscuits, 300 g"
    said = features("Classic Original Digestive Biscuits 300g", plain, "fenwick & rye")
    assert (said.line_store_only, said.line_cand_only) == (1.0, 0.0)
    left_out = features("Fenwick & Rye Digestive Biscuits Orig 300 g", classic, "fenwick & rye")
    assert (left_out.line_store_only, left_out.line_cand_only) == (0.0, 1.0)
    both = features("FENWICK&RYE CLASSIC ORIG DIGESTIVE 300G", classic, "fenwick & rye")
    assert (both.line_store_only, both.line_cand_only) == (0.0, 0.0)
    # The plainer candidate explains the name as well and says less: the rival's mark.
    short = "Fenwick & Rye Original Digestive Biscuits 300g"
    rivals = with_rivals(
        [features(short, plain, "fenwick & rye"), features(short, classic, "fenwick & rye")]
    )
    assert (rivals[0].plainer_rival, rivals[1].plainer_rival) == (0.0, 1.0)


def test_a_model_code_a_provisional_name_leaves_out_is_marked():
    """Another store's name without the model code fits every model of the line
    (bench_matching linked "bvmcsz35 ... Coffee Maker" to a store's codeless name of
    another model); a catalog name without it is the product's own."""
    store = read_side("Mr. Coffee bvmcsz35 12c w/ thermal carafe Coffee Maker", ("mr coffee",))
    codeless = read_side("Mr. Coffee Programmable Thermal Carafe Coffee Maker", ("mr coffee",))
    coded = read_side("Mr. Coffee BVMC-SZ35 Thermal Carafe Coffee Maker", ("mr coffee",))

    def marked(cand: Side, provisional: bool) -> float:
        f = pair_features(store, cand, brand=None, gtin_conflict=False, provisional=provisional)
        return f.provisional_uncoded

    assert marked(codeless, True) == 1.0
    assert marked(codeless, False) == 0.0  # a catalog product's name
    assert marked(coded, True) == 0.0  # the code said


def test_a_store_named_candidate_has_its_one_sided_evidence_weighed_apart():
    """A catalog product a sync named after a store's title: its flag, a store code it
    leaves out, and each side's unexplained words are features of their own (weighed
    apart from a curated name's); a curated candidate has none of them."""
    store = read_side("Panasonic KX-TG4498M 4 Handsets Caller ID DECT phone", ("panasonic",))
    titled = read_side("Panasonic w/ 4 handsets expandable Caller ID DECT phone", ("panasonic",))

    def weighed(store_named: bool) -> tuple[float, ...]:
        f = pair_features(
            store, titled, brand="match", gtin_conflict=False, store_named=store_named
        )
        return (
            f.store_named,
            f.store_named_uncoded,
            f.store_named_store_words,
            f.store_named_cand_words,
            f.provisional_uncoded,
        )

    flag, uncoded, _, cand_words, provisional = weighed(True)
    assert (flag, uncoded, provisional) == (1.0, 1.0, 0.0)
    assert cand_words > 0  # "expandable" only the store-named title says
    assert weighed(False) == (0.0, 0.0, 0.0, 0.0, 0.0)
    coded = read_side("Panasonic KX-TG4498 4 Handsets DECT phone", ("panasonic",))
    f = pair_features(store, coded, brand="match", gtin_conflict=False, store_named=True)
    assert f.store_named_uncoded == 0.0  # the code said


def test_a_measure_both_state_differently_conflicts_whatever_else_agrees():
    """250 GB against 500 GB is another drive though both are 2.5" (bench_matching linked
    them: one agreeing size made the pair a size match)."""
    store = "Iomega eGo 39242 250gb 2.5in External Hard Drive Blue"
    other = features(store, 'Iomega eGo 35201L 500GB 2.5" External Hard Drive', "iomega")
    assert (other.size_conflict, other.size_match) == (1.0, 0.0)
    same = features(store, 'Iomega eGo 250GB 2.5" External Hard Drive - 39242', "iomega")
    assert (same.size_conflict, same.size_match) == (0.0, 1.0)
    # A promotional size is still the base size or the grown one.
    bonus = features("Shower Gel 250ml + 20% free", "Shower Gel 300 ml (+20% Free)")
    assert (bonus.size_conflict, bonus.size_match) == (0.0, 1.0)


def test_two_video_resolutions_are_two_screens():
    """ "1080p" against "720p": another model of the line (bench_matching linked them)."""
    store = "Vizio 42 in. 1080p 3 HDMI HDTV - VO425EB, Black"
    other = features(store, 'Vizio VO425E 42" 720p 120Hz 3 HDMI LCD HDTV', "vizio")
    assert other.number_conflict == 1.0
    same = features(store, 'Vizio VO425EB 42" 1080P 120Hz 3 HDMI LCD HDTV', "vizio")
    unsaid = features("Vizio 42 in. 3 HDMI HDTV - VO425EB", 'Vizio 42" 1080p HDTV', "vizio")
    assert same.number_conflict == unsaid.number_conflict == 0.0


def test_a_video_resolution_after_a_series_word_is_no_model_code():
    """ "HD 720p" is a resolution two TVs of a line share, not the code hd720p (bench_matching
    linked KDL-42V8767 to KDL42V6870 on it)."""
    f = features(
        'sony bravia kdl-42v8767 42" hd 720p 120 hz lcd tv',
        "Sony Bravia Kdl42V6870 42 In. Hd 720P 120Hz Lcd Hdtv",
        "sony",
    )
    assert (f.code_shared, f.code_conflict) == (0.0, 1.0)
    assert "hd720p" not in read_side("Sony HD 720p LCD TV", ()).codes


def test_what_the_store_names_and_the_candidate_leaves_out_is_marked():
    """A code or a model number the store states and a candidate's name lacks, whatever
    made the candidate (a store's GTIN names a catalog product after its own title)."""
    coded = "Vacuum Cleaner, Dyson DC61 Bagless"
    assert features(coded, "Dyson HEPA bagless Vacuum Cleaner Silver", "dyson").code_store_only
    assert not features(coded, "Dyson DC61 HEPA Bagless Vacuum Cleaner", "dyson").code_store_only
    assert not features("Dyson Bagless Vacuum", "Dyson DC61 Bagless Vacuum").code_store_only
    numbered = "Olympus Stylus 3607 Digital Camera Silver"
    plain = features(numbered, "Olympus Stylus 2.7in LCD Digital Camera", "olympus")
    assert plain.number_store_only == 1.0
    said = features(numbered, "Olympus Stylus 3607 HD Video Digital Camera", "olympus")
    assert said.number_store_only == 0.0
    other = features(numbered, "Olympus Stylus 3706 Digital Camera", "olympus")
    assert (other.number_store_only, other.number_conflict) == (0.0, 1.0)


def test_a_finish_or_a_pack_only_the_candidate_names_is_marked():
    black = "LG 52LG92B 52-inch LCD HDTV Black"
    assert features(black, "LG 52LG92B 52in LCD HDTV Piano Black", "lg").finish_cand_only == 1.0
    assert features(black, "LG 52LG92B 52in LCD HDTV, Black", "lg").finish_cand_only == 0.0
    single = "Brother TN-991A Laser Toner Black"
    pack = features(single, "Brother TN-991A Black Toner Cartridge, 2/Pack", "brother")
    assert (pack.pack_cand_only, pack.pack_cand_coded) == (1.0, 1.0)
    uncoded = features("Brother Laser Toner Black", "Brother Black Toner Cartridge, 2/Pack")
    assert (uncoded.pack_cand_only, uncoded.pack_cand_coded) == (1.0, 0.0)


def test_a_third_party_word_cut_short_still_marks_a_supply():
    cut = "LD Products LDF550 High Yield mag Lexmark 18C9003XL remanufa"
    original = "Lexmark No. 99 High Yield Magenta Ink Cartridge (18C9003XL)"
    assert features(cut, original, "lexmark").third_party == 1.0
    assert features("Lexmark 18C9003XL High Yield mag", original, "lexmark").third_party == 0.0


def test_a_sun_protection_factor_is_no_model_code():
    """ "SPF 15" is a factor many lotions share, not a code that pins one (bench_matching
    linked "spf 15 sun lotion" to another maker's SPF 15 lotion at 100)."""
    f = features("spf 15 sun lotion 6.8 fl oz", "Solace Sun Kids SPF 15 Sun Lotion, 200 ml")
    assert f.code_shared == 0.0
    assert features("SPF 15 Sun Lotion", "Kids SPF 30 Sun Lotion").number_conflict == 1.0


def test_a_garment_size_in_one_letter_said_last_is_that_size():
    tee = "Organic Cotton Men's Crew Neck Tee Black L"
    assert features(tee, "Organic Cotton Mens Crew Neck T-Shirt, Black, XS").variant_conflict
    same = features(tee, "Ashgrove Organic Cotton Mens Crew Neck T-Shirt, Black, Large")
    assert same.variant_conflict == 0.0
    assert read_side("Size M Crew Neck Tee", ()).variants["size"] == {"medium"}
    assert "size" not in read_side("Vitamin C Tablets L Carnitine", ()).variants


def test_a_code_the_store_names_marks_only_a_numberless_candidate():
    """A candidate named with a number of its own (the model number without its colour
    letter, a year) is not a name that fits every model of a line."""
    store = "Hamilton Beach 63256B 12c w/ thermal carafe coffeemaker, Black"
    numbered = features(store, "Hamilton Beach 12-Cup Thermal Carafe Coffee Maker - 63256")
    assert numbered.code_store_only == 0.0
    plain = features(store, "Hamilton Beach Programmable Thermal Carafe Coffee Maker")
    assert plain.code_store_only == 1.0


def test_an_edition_only_the_candidate_names_is_marked():
    plain = "Rogue Storm: Shadow Frontier - Wii"
    ce = features(plain, "Rogue Storm: Shadow Frontier Collector's Edition - Wii")
    assert (ce.edition_cand_only, ce.variant_conflict) == (1.0, 0.0)
    said = features("Rogue Storm: Shadow Frontier CE Wii", "Rogue Storm Collector's Edition - Wii")
    assert said.edition_cand_only == 0.0


def test_a_supply_for_a_code_written_apart_is_a_supply():
    """ "for use in Canon CRG 448A": the series and its number are the printer supply's
    code the store's product is made for, five words on."""
    f = features(
        "Innovera 80341 Toner Cartridge for use in Canon CRG 448A",
        "Canon CRG-448A Black Toner Cartridge (1216B202)",
    )
    assert f.third_party == 1.0
    own = features("Canon PG-755 Ink for Canon PIXMA MX700", "Canon PG-755 Ink Cartridge")
    assert own.third_party == 0.0


def test_a_colour_letter_after_a_model_number_or_a_makers_colour_letter_is_the_model():
    # titles bench, seed 21: capped as another model though the names agree on the colour.
    number = features("bluetooth cell phone 7399r, red", "Nokia Bluetooth Cell Phone, Red - 7399")
    assert (number.code_conflict, number.code_colour) == (0.0, 1.0)
    blue = features("Canon PowerShot Camera - SD9518L", "Canon PowerShot Camera, Blue - SD9518")
    assert (blue.code_conflict, blue.code_colour) == (0.0, 1.0)
    # A letter that is no letter of the colour named: another model.
    assert features("PowerShot Camera - SD9518D", "PowerShot, Blue - SD9518").code_conflict == 1.0


def test_a_sellers_word_or_a_colour_before_a_model_number_names_no_series():
    f = features("brand new! 7705 unlocked bt cell phone", "Nokia Cell Phone 7705 Unlocked, Black")
    assert f.code_conflict == 0.0 and f.code_one_side == 0.0
    assert "red7399" not in read_side("Nokia Cell Phone, Red - 7399", ()).codes


def test_a_short_code_without_its_series_letters_is_no_conflict_nor_evidence():
    f = features("panasonic hd camcorder h95 120gb", "Panasonic Camcorder SDR-H95 120GB")
    assert (f.code_shared, f.code_conflict, f.code_one_side) == (0.0, 0.0, 0.0)
    assert features("camcorder h95 120gb", "Camcorder SDR-H96 120GB").code_conflict == 1.0


def test_the_code_of_what_a_supply_is_for_is_not_its_own():
    # The printer's code against the cartridge's: one-sided, not two models.
    f = features("Toner Black for use in HL-3249DW", "Brother TN-679A Black Toner", "brother")
    assert (f.code_conflict, f.code_one_side) == (0.0, 1.0)
    # A code of the other side's series after "for" is the product's own.
    own = features("Subwoofer for iPod Speaker System - IMT238", "IMT239 Subwoofer for iPod")
    assert own.code_conflict == 1.0


def test_a_makers_cartridge_for_its_printer_is_no_supply_for_itself():
    # Only the printer's code is what it is "for", not the cartridge's own after it.
    f = features(
        "Samsung Toner Cartridge 2-Pack For Ml-1665Nd - Mld8552X",
        "Samsung ML-D8552X Toner Cartridge, 2/Pack",
        "samsung",
    )
    assert (f.third_party, f.code_shared) == (0.0, 1.0)


def test_a_sellers_item_number_labels_and_boilerplate_are_no_content_words():
    side = read_side("Item# 419897 Star Protocol (DS) new in box - SKU 34990 only", ())
    assert side.content == ("419897", "star", "protocol", "ds", "34990")
    toner = read_side("Toner for use in HL-3249DW Part# A311", ())
    assert toner.content == ("toner", "hl3249dw", "a311") and toner.targets == {"hl3249dw"}
    f = features("Star Protocol (DS) NIB Factory Sealed Retail", "Star Protocol (Nintendo DS)")
    assert f.extra_store_words == 0.0


def test_a_finish_letter_after_a_model_number_is_the_finishs():
    """ "Metallic Grey" explains the `M` of `QT-210M` as a colour's letter explains its
    own; a letter no colour nor finish named explains stays another model."""
    catalog = "Orwen QT-210 2 Handsets Phone, Metallic Grey"
    finish = features("Orwen QT-210M w/ 2 handsets phone", catalog)
    assert (finish.code_conflict, finish.code_colour) == (0.0, 1.0)
    assert features("Orwen QT-210D w/ 2 handsets phone", catalog).code_conflict == 1.0


def test_a_standard_written_short_is_no_model_code_and_keeps_its_number():
    card = features("Vexa 16gb SDHC CL10 card", "Vexa Memory Card VX16SD10 16GB SDHC Class 10")
    assert (card.code_conflict, card.number_conflict) == (0.0, 0.0)
    assert features("Vexa 16gb SDHC CL4 card", "Vexa 16GB SDHC Class 10 card").number_conflict
    assert features("Vexa SDHC card class10", "Vexa SDHC Class 10 card").number_conflict == 0.0
    phone = features("Orwen DECT6 cordless phone", "Orwen QT-4410 DECT 6.0 Cordless Phone")
    assert (phone.code_conflict, phone.code_one_side) == (0.0, 1.0)
    # A model code that starts with the standard's letters is still a code.
    assert "dect4410" in read_side("Orwen DECT4410 cordless phone", ()).codes


def test_a_number_with_a_leading_zero_is_a_code_part_not_a_weight():
    f = features("Vexa Stick QZ36 0516G 16 GB", "Vexa Stick QZ36-0516G 16GB USB Drive")
    assert (f.code_shared, f.code_conflict) == (1.0, 0.0)


def test_a_code_written_in_five_parts_is_one_code():
    f = features("Lumo AF2870mmDiII zoom lens", "Lumo AF 28-70mm Di II Zoom Lens")
    assert (f.code_shared, f.code_conflict) == (1.0, 0.0)


def test_a_model_code_with_a_hyphenated_package_part_is_the_model():
    """ "RX4410-200EUS": the model RX4410 and its package or region; a letter glued on
    that no colour named explains (RX4410D) or another package of it stays another
    product."""
    f = features("Corvid Wireless Router - RX4410-200EUS", "Corvid RX4410 Wireless Router")
    assert (f.code_shared, f.code_conflict) == (1.0, 0.0)
    assert features("Corvid Router RX4410-2 - $78.37", "Corvid RX4410 Router").code_shared
    glued = features("Corvid Router RX4410D, Black", "Corvid RX4410 Router, Black")
    assert glued.code_conflict == 1.0
    packages = features("Corvid Router RX4410-200EUS", "Corvid Router RX4410-100NAS")
    assert (packages.code_shared, packages.code_conflict) == (0.0, 1.0)
    assert features("Corvid Router RX4410-BK", "Corvid RX4410 Router").code_shared == 0.0
    # A name whose model is that code and a letter more, its package named after the code.
    longer = features("Corvid Router RX4410", "Corvid Router RX4410-D (RX4410-A11)")
    assert longer.code_shared == 0.0


def test_shop_numbers_on_each_side_of_a_shared_code_are_no_conflict():
    f = features("Item# 771204 Ovo Compact Camera - Z512", "Ovo Z512 Compact Camera (2290417)")
    assert (f.code_shared, f.number_conflict) == (1.0, 0.0)
    assert features("Ovo Compact Camera 771204", "Ovo Compact Camera 2290417").number_conflict


def test_a_model_number_without_its_letters_is_the_number_the_code_states():
    f = features("318 Pellor Speaker System", "Pellor Q-318 Speaker System (880-112233)")
    assert f.number_conflict == 0.0
    assert features("318 Pellor Speaker System", "Pellor 880 Speaker System").number_conflict


def test_a_word_an_ellipsis_cuts_says_nothing_against_the_other_name():
    """A feed cut the name at its length and marked it: the last word begins a word."""
    for cut in ("Vexa HD Camcorder VX-SR4...", "Vexa HD Camcorder VX-SR4 ...", "Vexa HD VX SR4…"):
        assert features(cut, "Vexa HD Camcorder VX-SR45").code_conflict == 0.0, cut
    # Unmarked, or not the other's code's beginning: another model.
    assert features("Vexa HD Camcorder VX-SR4", "Vexa HD Camcorder VX-SR45").code_conflict
    assert features("Vexa HD Camcorder VX-SR46...", "Vexa HD Camcorder VX-SR45").code_conflict
    # Its whole code still matches; a number or an edition's letters it cuts say nothing.
    assert features("Vexa HD Camcorder VX-SR45...", "Vexa Camcorder VX-SR45").code_shared
    card = features("Vexa VX16SD 16GB Class 6 card [8 ...", "Vexa VX16SD 16GB Class 6 Card")
    assert card.number_conflict == 0.0
    assert not read_side("Rogue Storm Wii #CE ...", ()).editions
    # A shop's note the ellipsis follows is no cut of the code before it.
    assert read_side("Vexa Camcorder VX-SR45 free shipping!...", ()).cut == ""


def brand_matched(a: str, b: str, *brands: str) -> PairFeatures:
    return pair_features(
        read_side(a, brands), read_side(b, brands), brand="match", gtin_conflict=False
    )


def test_a_makers_own_code_after_a_for_another_device_is_no_supply():
    """A maker's accessory "for" another maker's device gives its own code after it:
    against that maker's product with that code, it is no third-party supply."""
    accessory = "Kestrel KS210 Subwoofer for iPhone Speaker System, White (KS210)"
    f = brand_matched("Kestrel Speaker System - KS210", accessory, "kestrel")
    assert (f.third_party, f.code_shared) == (0.0, 1.0)
    # The brand unknown on one side: a supply may name no maker at all.
    unbranded = pair_features(
        read_side("Speaker System - KS210", ("kestrel",)),
        read_side(accessory, ("kestrel",)),
        brand="one_side",
        gtin_conflict=False,
    )
    assert unbranded.third_party == 1.0


def test_a_supply_for_the_other_makers_product_stays_a_supply():
    # It names that maker after "for" ...
    named = brand_matched("Black toner for use in Kestrel KT88", "Kestrel KT88 Toner", "kestrel")
    assert named.third_party == 1.0
    # ... or has a code of its own besides ...
    coded = brand_matched("Kestrel KT-90 Toner for LaserPro KP410", "Kestrel LaserPro KP410")
    assert coded.third_party == 1.0
    # ... and two supplies for one part are both supplies.
    both = brand_matched(
        "Inkwell Toner for use in Kestrel KT88",
        "Inkwell IW-70 Compatible Toner (Replaces Kestrel KT-88)",
        "inkwell",
    )
    assert both.third_party == 0.0


def test_a_model_number_written_alone_on_both_sides_is_shared():
    """A maker whose models are numbers ("Zenfone 4417") has no code of letters and
    digits to share: the number alone on both sides is marked, a year or a short number
    is not, and a long number counts only against the same long number."""
    store = "4417 ZENFONE CELL PHONE BLUE"
    same = features(store, "Zenfone Unlocked Camera Cell Phone, Blue - 4417", "zenfone")
    assert same.number_shared == 1.0
    assert features("Zenfone 4417/R Phone Red", "Zenfone Phone 4417 Quad-Band").number_shared
    other = features(store, "Zenfone Unlocked Camera Cell Phone, Blue - 4471", "zenfone")
    assert (other.number_shared, other.number_conflict) == (0.0, 1.0)
    assert not features("Ledger Pro 2011 for Mac", "Ledger Pro 2011 3-User for Mac").number_shared
    assert not features("Star Rally 3 (Wii)", "Star Rally 3 - Wii").number_shared
    assert features("Brewmax 61284 Coffee Maker", "Brewmax Coffee Maker - 61284").number_shared


def test_a_platform_both_names_state_alike_is_marked():
    wii = "Nintendo Wii Moon Harbor (45120)"
    assert features(wii, "Moon Harbor - Wii").platform_match == 1.0
    assert features(wii, "Moon Harbor (PSP)").platform_match == 0.0
    assert features("Moon Harbor", "Moon Harbor - Wii").platform_match == 0.0
    # "Macintosh" and "Mac", "PC" and "Windows": one platform.
    assert features("Safeguard 2011 for Macintosh", "Safeguard 2011 for Mac").platform_match == 1.0
    assert features("Safeguard 2011 (PC)", "Safeguard 2011 for Windows").platform_match == 1.0


def test_what_two_supplies_are_for_is_compared():
    """A supply's target, the product it is for, said on both sides: the same one, or
    none in common (another maker's cartridge, whatever the supply's brand)."""
    store = "inkwell high capacity ink for use in zeta z0452xl, cyan"
    same = features(store, "Inkwell IW220 Compatible Ink Cartridge, Cyan (Replaces Zeta Z0452XL)")
    assert (same.target_shared, same.target_apart) == (1.0, 0.0)
    other = features(
        "Inkwell Inkjet ctg Cyan compatible Zeta ZC41",
        "Inkwell 70455 Compatible Ink Cartridge, Cyan (Replaces Orbis 16R0330)",
    )
    assert (other.target_shared, other.target_apart) == (0.0, 1.0)
    plain = features("Zeta ZC41 Cyan Ink Cartridge", "Zeta ZC41 Ink Cartridge, Cyan")
    assert (plain.target_shared, plain.target_apart) == (0.0, 0.0)


def test_a_specification_one_name_states_alone_is_marked():
    """ "3-User" said by one name and no 3 by the other: another product of the line (the
    seats), or a name that left it out; "120 Hz" and "120Hz" are one specification."""
    seats = features("Safeguard 2011 3-User for Windows", "Safeguard 2011 for Windows")
    assert (seats.spec_store_only, seats.spec_cand_only) == (1.0, 0.0)
    plain = features("Safeguard 2011 Windows", "Safeguard 2011 3-User for Windows")
    assert (plain.spec_store_only, plain.spec_cand_only) == (0.0, 1.0)
    same = features("Vista 42 in. 120 Hz LCD TV", "Vista 42in 120Hz LCD HDTV")
    assert (same.spec_store_only, same.spec_cand_only) == (0.0, 0.0)


def test_a_network_ports_speeds_are_no_model_numbers():
    """ "10/100/1000": the port's speeds, not numbers that conflict with the other name's
    model number; the speeds themselves still differ ("10/100" / "10/100/1000")."""
    f = features("Zeta 10/100/1000 Gigabit Switch 8-Port", "Zeta 512 8-Port Gigabit Switch")
    assert f.number_conflict == 0.0
    assert features("Zeta 10/100 Adapter", "Zeta Adapter 512").number_conflict == 0.0
    assert read_side("Zeta 10/100Mbps Adapter", ()).specs == frozenset({"100"})
    fast = features("Zeta 10/100 Switch", "Zeta 10/100/1000 Switch")
    assert (fast.spec_store_only, fast.spec_cand_only) == (1.0, 1.0)
    assert features("Zeta Adapter 10/100 512", "Zeta Adapter 10/100 610").number_conflict


def test_a_makers_region_letters_after_a_full_code_are_the_model():
    """ "LN46U689BXZA" / "LN46U689": a maker's region or retail letters glued on the full
    code. A letter or two more, a capacity or a tier is another model."""
    for store, cand in (
        ("Vista 46in LCD HDTV - VX46U689BXZA", "Vista VX46U689 46in LCD HDTV"),
        ("Vista Phone Red #VPHU282ZKA", "Vista VPH-U282 Phone, Red"),
    ):
        f = features(store, cand, "vista")
        assert (f.code_shared, f.code_conflict) == (1.0, 0.0), store
    for store, cand in (
        ("Vista CE505X toner", "Vista CE505XD toner"),
        ("Vista PG-755 ink", "Vista PG-755XL ink"),
        ("Vista PG-755 ink", "Vista PG-755XXL ink"),
        ("Vista HD650 headphones", "Vista HD650PRO headphones"),
        ("Vista VX46 cable", "Vista VX46ABC cable"),  # two digits: not a full code
    ):
        f = features(store, cand, "vista")
        assert (f.code_shared, f.code_conflict) == (0.0, 1.0), store


def test_a_country_before_a_number_names_no_series():
    """ "Canon USA 774": the maker's arm, then the model number, not a code usa774 that
    conflicts with "PG-774"."""
    f = features("ZETA USA 774 INKJET CART", "Zeta PG-774 Black Ink Cartridge", "zeta")
    assert (f.code_conflict, f.number_conflict) == (0.0, 0.0)
    assert read_side("Zeta USA 774 Ink", ()).codes == frozenset()


def test_a_shops_labelled_item_number_conflicts_with_no_other_number():
    """ "Item# 373717", "SKU 410751": the shop's own number, which the catalog's or a
    maker's number never contradicts; an unlabelled long number still does."""
    cand = "Ovo Stylus 9287 Digital Camera, Pink (226575)"
    for store in ("Ovo Stylus 9287 Digital Camera - SKU 410751", "ITEM# 373717 Ovo Stylus 9287"):
        assert features(store, cand).number_conflict == 0.0, store
    assert features("Ovo Stylus 9287 Digital Camera 410751", cand).number_conflict
    drive = "Iomega eGo External Hard Drive 30184 250GB"
    assert features("EGO 34184 250GB DRIVE - SKU 367840", drive).number_conflict
