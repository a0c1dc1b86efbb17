"""The retail-title generator's vocabulary: kinds of product, their makers and lines, model
code patterns, feature phrases (canonical first, then the ways other retailers say it),
colours, abbreviations and the marketing noise of shop titles.

Code patterns: `#` a digit, `@` a capital letter, `%` the size's number (TV inches,
memory gigabytes); every other character is literal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Maker:
    brand: str
    line: str  # product line ("" when the maker names none)
    code: str  # model code pattern
    sku: str = ""  # the maker's second part number: a pattern, or `=` + suffix (the model
    # code without hyphens or spaces, then the suffix: LN46C589 → LN46C589XZA)


@dataclass(frozen=True)
class Kind:
    name: str
    group: str
    weight: float  # share of the true products
    nouns: tuple[str, ...]  # canonical first
    makers: tuple[Maker, ...]
    features: tuple[tuple[str, ...], ...] = ()  # each: canonical phrase, then variants
    colours: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()  # one model sold in several sizes/capacities
    price: tuple[int, int] = (20, 200)
    categories: tuple[str, ...] = ()  # how stores' feeds file it


M = Maker
PRINT_FEATS = (
    ("Wireless", "WiFi", "Wi-Fi", "802.11g wireless"), ("Duplex", "Auto 2-Sided", "2-sided"),
    ("Photo", "photo"), ("Color", "Colour"), ("Inkjet", "ink-jet", "ink jet"),
    ("with Fax", "w/ fax", "fax"), ("Network-Ready", "Ethernet", "networkable"),
    ("ADF", "Auto Document Feeder", "automatic document feeder"),
)  # fmt: skip
KINDS: tuple[Kind, ...] = (
    Kind("printer", "printers", 5, (
        "All-in-One Printer", "all in one printer", "Multifunction Printer", "AIO Printer",
        "Printer/Copier/Scanner", "MFP"), (
        M("Canon", "PIXMA", "MX###", "####B###"), M("HP", "Officejet", "J####", "C@###A#ABA"),
        M("Brother", "", "MFC-####CW", "="), M("Epson", "Stylus", "NX###", "C11C######"),
        M("Lexmark", "", "X####", "##@####"), M("HP", "Photosmart", "C####", "Q####A#ABA"),
    ), PRINT_FEATS, ("Black", "White", "Silver"), price=(79, 399),
        categories=("Printers", "Computers > Printers > All-in-One", "Office Equipment")),
    Kind("laser", "printers", 2, (
        "Laser Printer", "laserjet printer", "Mono Laser Printer", "laser printer b/w"), (
        M("HP", "LaserJet", "P####dn", "CE###A#ABA"), M("Brother", "", "HL-####DW", "="),
        M("Samsung", "", "ML-####ND", "="), M("Canon", "imageCLASS", "LBP####", "####B###"),
    ), (("Duplex", "auto duplex"), ("Network", "Ethernet"), ("Monochrome", "mono", "B/W")),
        price=(99, 599), categories=("Printers", "Laser Printers", "Office > Printers")),
    Kind("fax", "printers", 1.5, (
        "Plain Paper Fax", "plain-paper fax", "Fax Machine", "fax/copier", "Fax/Phone/Copier"), (
        M("Panasonic", "", "KX-FP###", "="), M("Brother", "", "FAX-####", "="),
        M("Canon", "FAXPHONE", "L###", "####A###"), M("Sharp", "", "UX-@###", "="),
    ), (("with Digital Answering System", "w/ answering machine", "digital answering"),
        ("Copier", "copier"), ("Caller ID", "CID")),
        ("Black", "White", "Gray"), price=(59, 249), categories=("Fax Machines", "Office")),
    Kind("cellphone", "phones", 4, (
        "Cell Phone", "cell phone", "Mobile Phone", "Cellular Phone", "GSM phone"), (
        M("Sony Ericsson", "", "W###i", "1######"), M("Nokia", "", "####", "00#####"),
        M("Samsung", "", "SGH-@###", "=ZKA"), M("Motorola", "RAZR", "V#", "#####@"),
        M("LG", "", "KU###", "=.AUSABK"),
    ), (("Unlocked", "factory unlocked"), ("Quad-Band", "quad band", "quadband"),
        ("2.0 MP Camera", "2MP cam", "2 megapixel camera"), ("Bluetooth", "BT"),
        ("MP3 Player", "MP3", "music player")),
        ("Black", "Silver", "Pink", "Blue", "Red"), price=(99, 499),
        categories=("Cell Phones", "Phones > Mobile", "Unlocked Phones")),
    Kind("cordless", "phones", 4, (
        "Cordless Phone", "cordless telephone", "Cordless Phone System", "DECT phone"), (
        M("Panasonic", "", "KX-TG####", "="), M("VTech", "", "CS6###", "="),
        M("Uniden", "", "DECT####", "="), M("AT&T", "", "EL5####", "="),
        M("Panasonic", "", "KX-TG####", "="), M("Motorola", "", "L7##", "="),
    ), (("DECT 6.0", "DECT6.0", "dect 6.0 technology", "DECT6"),
        ("with Digital Answering System", "w/ answering machine", "digital answering system",
         "w/ans"), ("Caller ID", "call waiting/caller id", "CID"),
        ("Expandable", "expandable up to 6 handsets", "expandable system")),
        ("Black", "Silver", "Metallic Gray", "White"),
        ("1 Handset", "2 Handsets", "3 Handsets", "4 Handsets"), price=(29, 179),
        categories=("Cordless Phones", "Telephones", "Home Phones > Cordless")),
    Kind("camera", "cameras", 6, (
        "Digital Camera", "digital camera", "Compact Digital Camera", "point & shoot camera",
        "digicam"), (
        M("Canon", "PowerShot", "SD####", "####B###"), M("Nikon", "Coolpix", "S###", "26###"),
        M("Sony", "Cyber-shot", "DSC-W###", "="), M("Panasonic", "Lumix", "DMC-FS##", "="),
        M("Olympus", "Stylus", "####", "226###"), M("Kodak", "EasyShare", "M###",
        "1######"),
    ), (("10.0 MP", "10 megapixel", "10MP", "10.0MP"), ("4x Optical Zoom", "4x zoom",
        "4X opt zoom"), ("2.7\" LCD", "2.7-inch LCD", "2.7 in. screen"), ("Image Stabilized", "IS",
        "w/ image stabilization"), ("HD Video", "720p video")),
        ("Black", "Silver", "Red", "Blue", "Pink"), price=(99, 449),
        categories=("Digital Cameras", "Cameras & Photo > Point & Shoot", "Cameras")),
    Kind("camcorder", "cameras", 3, (
        "Camcorder", "camcorder", "Digital Camcorder", "Hard Drive Camcorder", "video camera"), (
        M("Sony", "Handycam", "DCR-SR##", "="), M("Canon", "VIXIA", "HF###", "####B###"),
        M("JVC", "Everio", "GZ-MG###", "="), M("Panasonic", "", "SDR-H##", "="),
    ), (("60x Optical Zoom", "60x zoom", "60X opt. zoom"), ("Hard Disk Drive", "HDD",
        "hard drive"), ("High Definition", "HD", "hi-def")),
        ("Black", "Silver", "Red"), ("60GB", "80GB", "120GB"), price=(199, 899),
        categories=("Camcorders", "Cameras > Video", "Camcorders > HDD")),
    Kind("lens", "cameras", 2.5, (
        "Lens", "lens", "Zoom Lens", "Camera Lens", "SLR lens"), (
        M("Canon", "EF-S", "~ f/4-5.6 IS", "####B###"), M("Nikon", "AF-S Nikkor",
        "~ f/3.5-5.6G VR", "2###"), M("Sigma", "", "~ F2.8 EX DC", "###-###"),
        M("Tamron", "", "AF ~ Di II", "A###"),
    ), (("Image Stabilizer", "image stabilized", "stabilized"), ("Zoom", "zoom"),
        ("Autofocus", "AF", "auto focus")), price=(149, 1299),
        categories=("Camera Lenses", "Cameras & Photo > Lenses", "Lenses")),
    Kind("tv", "tv_audio", 5, (
        "LCD HDTV", "LCD TV", "HDTV", "Flat Panel Television", "LCD Television"), (
        M("Samsung", "", "LN%@###", "=XZA"), M("Sony", "Bravia", "KDL-%V####", "="),
        M("LG", "", "%LG##", "="), M("Panasonic", "Viera", "TC-P%@##", "="),
        M("Sharp", "Aquos", "LC-%D##U", "="), M("Vizio", "", "VO%0E", "="),
    ), (("1080p", "Full HD 1080p", "1080P"), ("120Hz", "120 Hz"), ("720p", "HD 720p"),
        ("3 HDMI", "3x HDMI", "three HDMI inputs")), ("Black", "Piano Black", "Silver"),
        ('32"', '37"', '42"', '46"', '52"'), price=(399, 2499),
        categories=("Televisions", "TV & Video > LCD TVs", "HDTVs")),
    Kind("speaker", "tv_audio", 3, (
        "Speaker System", "speakers", "Computer Speakers", "Speaker Dock", "speaker system"), (
        M("Logitech", "", "Z-###", "970-######"), M("Altec Lansing", "", "IMT###", "="),
        M("JBL", "", "On Stage ###", "="), M("Bose", "Companion", "#", "######-####"),
        M("Klipsch", "ProMedia", "#.#", "######"),
    ), (("2.1", "2.1-channel", "2.1 channel"), ("for iPod", "iPod dock", "w/ iPod dock"),
        ("Subwoofer", "w/ subwoofer", "sub")), ("Black", "White", "Silver"), price=(39, 399),
        categories=("Speakers", "Computer Accessories > Speakers", "Audio")),
    Kind("headphones", "tv_audio", 3, (
        "Headphones", "headphones", "Stereo Headphones", "Earbuds", "Headset"), (
        M("Sony", "", "MDR-@###", "="), M("Sennheiser", "", "HD ###", "5#####"),
        M("Koss", "", "@P-##", "1#####"), M("Skullcandy", "", "SC###", "S2@@CZ-###"),
        M("Bose", "QuietComfort", "#", "######-####"),
    ), (("Noise Canceling", "noise cancelling", "noise-canceling", "NC"),
        ("In-Ear", "in ear", "earbud"), ("Over-Ear", "over the ear", "circumaural")),
        ("Black", "White", "Silver", "Red"), price=(19, 299),
        categories=("Headphones", "Audio > Headphones", "MP3 Accessories")),
    Kind("receiver", "tv_audio", 1.5, (
        "A/V Receiver", "AV receiver", "Home Theater Receiver", "audio/video receiver"), (
        M("Yamaha", "", "RX-V###", "="), M("Onkyo", "", "TX-SR###", "="),
        M("Denon", "", "AVR-####", "="), M("Pioneer", "", "VSX-####-K", "="),
    ), (("7.1 Channel", "7.1-ch", "7.1ch"), ("HDMI", "HDMI 1.3"), ("5.1 Channel", "5.1-ch")),
        ("Black",), price=(249, 999), categories=("Receivers", "Home Audio > Receivers")),
    Kind("memory", "memory", 5, (
        "Memory Card", "memory card", "Flash Memory Card", "SD card"), (
        M("SanDisk", "Ultra II", "SDSDH-%G", "SDSDH-%G-A11"), M("Kingston", "", "SD4/%GB", "="),
        M("Lexar", "Professional", "LSD%GBASBNA", "LSD%GB"),
        M("Transcend", "", "TS%GSDHC6", "="),
    ), (("SDHC", "SD HC", "Secure Digital High Capacity"), ("Class 6", "class6", "CL6"),
        ("with Adapter", "w/ adapter", "w/adapter")), (), ("2GB", "4GB", "8GB", "16GB", "32GB"),
        price=(9, 99), categories=("Memory Cards", "Flash Memory", "Computers > Memory")),
    Kind("usb", "memory", 3, (
        "USB Flash Drive", "flash drive", "USB Drive", "thumb drive", "USB 2.0 flash drive"), (
        M("Kingston", "DataTraveler", "DT101/%GB", "="),
        M("SanDisk", "Cruzer", "SDCZ36-00%G", "=-A11"),
        M("Lexar", "JumpDrive", "JDFF%GB", "=-431"),
        M("PNY", "Attache", "P-FD%GBATT", "P-FD%GBATT03-GE"),
    ), (("USB 2.0", "USB2.0", "Hi-Speed USB"), ("Retractable", "retractable")),
        ("Black", "Blue", "Red", "Purple"), ("4GB", "8GB", "16GB", "32GB"), price=(9, 79),
        categories=("USB Flash Drives", "Computers > Storage", "Flash Memory")),
    Kind("hdd", "memory", 2, (
        "External Hard Drive", "external hard drive", "Portable Hard Drive", "external HDD"), (
        M("Western Digital", "My Passport", "WDBAAA%00", "=ABK-NESN"),
        M("Seagate", "FreeAgent Go", "ST9%0U2", "=-RK"), M("Iomega", "eGo", "3####", "="),
        M("Maxtor", "OneTouch", "STM3%0", "=-RK"),
    ), (("USB 2.0", "USB2.0"), ("2.5\"", "2.5-inch", "portable")),
        ("Black", "Silver", "Blue", "Red"), ("250GB", "320GB", "500GB"), price=(69, 249),
        categories=("External Hard Drives", "Computers > Storage", "Hard Drives")),
    Kind("router", "networking", 5, (
        "Wireless Router", "wireless router", "Wireless-N Router", "WiFi router",
        "Broadband Router"), (
        M("Linksys", "", "WRT###N", "="), M("Netgear", "RangeMax", "WNR####", "=-100NAS"),
        M("D-Link", "", "DIR-###", "="), M("Belkin", "N+", "F5D####", "=-4"),
        M("Linksys", "", "WAP##@", "="),
    ), (("802.11n", "Wireless-N", "draft N", "802.11 b/g/n"), ("4-Port", "4 port",
        "4-port switch"), ("Gigabit", "gigabit", "10/100/1000")), price=(39, 179),
        categories=("Networking", "Routers", "Computers > Networking > Routers")),
    Kind("appliance", "appliances", 4, (
        "Coffee Maker", "coffeemaker", "Programmable Coffee Maker", "coffee machine"), (
        M("Cuisinart", "", "DCC-####", "="), M("Mr. Coffee", "", "BVMC-@@##", "="),
        M("Krups", "", "KM####", "="), M("Hamilton Beach", "", "#####", "="),
        M("KitchenAid", "", "KCM###", "=OB"),
    ), (("12-Cup", "12 cup", "12c"), ("Programmable", "prog."), ("Thermal Carafe", "thermal",
        "w/ thermal carafe")), ("Black", "Brushed Chrome", "Stainless Steel", "White", "Red"),
        price=(29, 249), categories=("Small Appliances", "Kitchen > Coffee Makers")),
    Kind("vacuum", "appliances", 1.5, (
        "Vacuum Cleaner", "vacuum", "Upright Vacuum", "bagless vacuum"), (
        M("Dyson", "", "DC##", "#####-##"), M("Hoover", "WindTunnel", "U####-###", "="),
        M("Bissell", "", "####-#", "="), M("Eureka", "", "####@V", "=Z"),
    ), (("Bagless", "bagless"), ("HEPA", "HEPA filter", "w/ HEPA")),
        ("Yellow", "Red", "Purple", "Silver"), price=(79, 549),
        categories=("Vacuums", "Home > Floor Care")),
)  # fmt: skip

SUPPLY_MAKERS = {  # printer brand → ink code, toner code, SKU pattern, short-number pattern
    "HP": ("C####WN", "CE###", "", "##"), "Canon": ("PG-###", "CRG-###", "####B###", ""),
    "Brother": ("LC##", "TN-###", "", ""), "Epson": ("T0##120", "S05####", "", "##"),
    "Lexmark": ("18C####", "X###@##G", "", "No. ##"), "Samsung": ("INK-M##", "ML-D####", "", ""),
}  # fmt: skip
FOCALS = ("18-55mm", "55-250mm", "70-300mm", "17-85mm", "28-135mm", "10-22mm", "24-105mm",
          "18-200mm", "55-200mm", "28-300mm", "17-50mm", "70-200mm")  # fmt: skip
EXCLUSIVE = ({"720p", "1080p"}, {"In-Ear", "Over-Ear"}, {"7.1 Channel", "5.1 Channel"})
INK_COLOURS = ("Black", "Cyan", "Magenta", "Yellow", "Tri-Color")
THIRD_PARTY = ("Innovera", "Elite Image", "Dataproducts", "LD Products", "Smart Ink", "Inkjoy")
THIRD_PARTY_CODE = {"Innovera": "8####", "Elite Image": "75###", "Dataproducts": "DPC####",
                    "LD Products": "LD-@###", "Smart Ink": "SI-####",
                    "Inkjoy": "IJ###"}  # fmt: skip

SOFTWARE = (  # publisher, product, versions, editions, maker SKU pattern
    ("Adobe", "Photoshop Elements", ("7", "8", "9"), ("", "Upgrade"), "6505####"),
    ("Microsoft", "Office", ("2007", "2010"), ("Home and Student", "Small Business",
     "Professional"), "###-#####"),
    ("Intuit", "QuickBooks", ("2009", "2010"), ("Pro", "Premier", "Simple Start"), "4#####"),
    ("Symantec", "Norton Internet Security", ("2009", "2010"), ("", "3-User"), "2######"),
    ("Nuance", "Dragon NaturallySpeaking", ("9", "10"), ("Standard", "Preferred"),
     "@###@-@##-####"),
    ("Corel", "Paint Shop Pro", ("X2", "X3"), ("", "Ultimate", "Upgrade"), "PSPX#@MBAM"),
    ("Roxio", "Creator", ("2009", "2010"), ("", "Pro"), "########"),
    ("McAfee", "Total Protection", ("2009", "2010"), ("", "3-User"), "MTP##@3RAA"),
    ("Apple", "iWork", ("'08", "'09"), ("", "Family Pack"), "MB###Z/A"),
    ("Encore", "Hoyle Card Games", ("2009", "2010"), ("",), "#####"),
)  # fmt: skip
SOFTWARE_PLATFORMS = ("Windows", "Mac", "Win/Mac")
PUBLISHERS = ("Electronic Arts", "Activision", "Ubisoft", "THQ", "2K Games", "Nintendo", "Sega")
GAME_WORDS = (("Shadow", "Iron", "Crimson", "Dark", "Star", "Lost", "Rogue", "Steel", "Frozen",
               "Savage", "Hidden", "Eternal"),
              ("Legion", "Frontier", "Empire", "Storm", "Odyssey", "Hunters", "Kingdom",
               "Protocol", "Racers", "Tactics", "Warriors", "Saga"))  # fmt: skip
PLATFORMS = {  # canonical → what stores write
    "PlayStation 3": ("PS3", "Playstation 3", "PS 3", "Sony PS3"),
    "Xbox 360": ("X360", "XBOX 360", "xbox360", "360"),
    "Wii": ("Nintendo Wii", "WII", "wii"),
    "Nintendo DS": ("DS", "NDS", "Nintendo ds"),
    "PSP": ("Sony PSP", "PSP"),
    "PC": ("PC DVD", "Windows", "PC DVD-ROM", "pc"),
}  # fmt: skip

BRAND_ALIASES = {  # what other retailers put for a brand (a maker, a short or long form)
    "HP": ("Hewlett-Packard", "Hewlett Packard", "HP Inc"), "Sony Ericsson": ("Sony",
    "SonyEricsson", "Sony-Ericsson"), "Linksys": ("Cisco", "Linksys by Cisco", "Cisco-Linksys"),
    "Western Digital": ("WD",), "Electronic Arts": ("EA", "EA Games"), "2K Games": ("Take-Two",
    "Take 2 Interactive"), "Symantec": ("Norton",), "Canon": ("Canon USA",), "Nintendo": (
    "Nintendo of America",), "Microsoft": ("Microsoft Corp", "MS"), "Mr. Coffee": ("Mr Coffee",
    "Sunbeam"), "Hamilton Beach": ("Hamilton-Beach",), "D-Link": ("DLink",), "Altec Lansing":
    ("Altec",), "AT&T": ("ATT", "AT & T"), "Logitech": ("Logitech Inc",), "KitchenAid":
    ("Kitchen Aid",), "Panasonic": ("Panasonic Consumer",), "Lexar": ("Lexar Media",),
}  # fmt: skip
MAKER_OF = {"Sony Ericsson": "Sony", "Linksys": "Cisco", "2K Games": "Take-Two",
            "Mr. Coffee": "Sunbeam", "Symantec": "Symantec"}  # fmt: skip

COLOUR_CODE = {"Black": "B", "Silver": "S", "White": "W", "Red": "R", "Blue": "L", "Pink": "P",
               "Metallic Gray": "M", "Gray": "G", "Piano Black": "B"}  # fmt: skip
ABBREV = {
    "black": ("blk", "bk"), "white": ("wht", "wh"), "silver": ("slvr", "sil"), "with": ("w/",),
    "wireless": ("wrls", "wless"), "digital": ("dig", "dgtl"), "camera": ("cam",),
    "cartridge": ("cart", "ctg"), "professional": ("pro",), "edition": ("ed", "ed."),
    "printer": ("prntr",), "cordless": ("cdls",), "answering": ("ans",), "system": ("sys",),
    "television": ("tv",), "package": ("pkg",), "yield": ("yld",), "magenta": ("mag",),
    "yellow": ("yel", "ylw"), "cyan": ("cyn",), "headphones": ("hdphns",), "stainless": ("ss",),
    "speaker": ("spkr",), "multifunction": ("mfp", "multi-function"), "and": ("&",),
}  # fmt: skip
MARKETING_FRONT = ("New", "NEW", "Brand New", "BRAND NEW!", "*NEW*", "Genuine", "Original",
                   "High Quality", "HOT!", "Factory Sealed")  # fmt: skip
MARKETING_BACK = ("Free Shipping", "FREE SHIPPING!", "- NIB", "New in Box", "(Retail Package)",
                  "- Brand New", "Fast Ship", "OEM", "(Bulk)")  # fmt: skip
