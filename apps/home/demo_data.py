"""The demo organisation's made-up people, service items and jobs (``manage.py seed_demo``)."""

from __future__ import annotations

ITEMS = [
    ("Call-out fee", "Attendance and first half hour on site", "89.00", True),
    ("Labour (per hour)", "Licensed plumber or electrician", "115.00", True),
    ("Apprentice labour (per hour)", "", "65.00", True),
    ("Water heater install", "40-gallon gas water heater, supply and fit", "1450.00", True),
    ("Drain cleaning", "Hydro-jet one drain line", "289.00", True),
    ("Smoke detector", "Hard-wired, interconnected", "74.50", True),
    ("Panel upgrade (200 A)", "Main service panel replacement", "2650.00", True),
    ("Permit fee", "Passed through at cost", "120.00", False),
]

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Chris",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Carol",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
]
STREETS = ["Fore", "Commercial", "Congress", "Exchange", "Danforth"]
CITIES = [
    ("Portland", "ME", "04101"),
    ("South Portland", "ME", "04106"),
    ("Falmouth", "ME", "04105"),
    ("Westbrook", "ME", "04092"),
    ("Scarborough", "ME", "04074"),
]

# Deliberate near-duplicates, for the merge suggestions ("Nick Brown" / "Brown, Nick",
# docs/sync-rules.md, "Matching and duplicates").
NEAR_DUPLICATES = [
    {
        "display_name": "Nick Brown",
        "given_name": "Nick",
        "family_name": "Brown",
        "phone": "(207) 555-0142",
        "email": "nick.brown@example.com",
    },
    {
        "display_name": "Brown, Nick",
        "given_name": "Nick",
        "family_name": "Brown",
        "phone": "+1 207 555 0142",
    },
    {
        "display_name": "Olivia Chen",
        "given_name": "Olivia",
        "family_name": "Chen",
        "email": "olivia.chen@example.com",
        "phone": "207-555-0190",
    },
    {
        "display_name": "Olivia Chen (Casco Bay Cafe)",
        "company_name": "Casco Bay Cafe",
        "email": "Olivia.Chen@Example.com",
    },
    {
        "display_name": "Greg Foster",
        "given_name": "Greg",
        "family_name": "Foster",
        "phone": "207.555.0177",
    },
    {
        "display_name": "Gregory Foster",
        "given_name": "Gregory",
        "family_name": "Foster",
        "phone": "(207) 555 0177",
        "email": "gfoster@example.com",
    },
]

JOBS = [
    (("Call-out fee", "1"), ("Labour (per hour)", "2")),
    (("Water heater install", "1"), ("Labour (per hour)", "3"), ("Permit fee", "1")),
    (("Drain cleaning", "1"),),
    (("Smoke detector", "4"), ("Labour (per hour)", "1.5")),
    (("Panel upgrade (200 A)", "1"), ("Permit fee", "1"), ("Apprentice labour (per hour)", "6")),
]

# The Australian demo organisation (``seed_demo``): prices in AUD before GST; GST-free lines
# (a council fee passed through at cost) go out on each ledger's GST-free code.
AU_ITEMS = [
    ("Call-out fee", "Attendance and first half hour on site", "120.00", True),
    ("Labour (per hour)", "Licensed plumber or electrician", "135.00", True),
    ("Hot water system install", "Gas continuous-flow unit, supply and fit", "2450.00", True),
    ("Blocked drain", "Jet and camera one drain line", "395.00", True),
    ("Safety switch (RCD)", "Supply and fit, tested", "189.50", True),
    ("Council inspection fee", "Passed through at cost, GST free", "96.40", False),
]
# (given, family, suburb, postcode)
AU_CUSTOMERS = [
    ("Olivia", "Nguyen", "Bondi", "2026"),
    ("Jack", "Wilson", "Manly", "2095"),
    ("Charlotte", "Smith", "Parramatta", "2150"),
    ("William", "Brown", "Newtown", "2042"),
    ("Amelia", "Taylor", "Chatswood", "2067"),
    ("Noah", "Kelly", "Cronulla", "2230"),
    ("Isla", "Murphy", "Penrith", "2750"),
    ("Lachlan", "O'Brien", "Randwick", "2031"),
]
AU_STREETS = ["George", "Pitt", "Oxford", "Military", "King"]
AU_JOBS = [
    (("Call-out fee", "1"), ("Labour (per hour)", "2")),
    (
        ("Hot water system install", "1"),
        ("Labour (per hour)", "3"),
        ("Council inspection fee", "1"),
    ),
    (("Blocked drain", "1"),),
    (("Safety switch (RCD)", "2"), ("Labour (per hour)", "1.5")),
]
