from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from shop.catalog.models import Product, ProductImage, ProductKind
from shop.extensions import db

FLAGSHIP_DESCRIPTION = """\
The SteadyHand Trainer is a small, soft-touch hand and arm trainer that you use at a table at home.
Sensors inside notice each squeeze, lift, twist and push, and the free SteadyHand app turns those
movements into short games and counts every repetition for you.

## Why repetition matters
After a stroke, the brain can build new connections. This is called neuroplasticity. Therapists
agree that it is driven by practice: doing a useful movement many times, day after day. In a clinic
session there is often time for only a few dozen repetitions. At home, with a game to play, many
people do hundreds.

## What is in the box
- The SteadyHand Trainer with two sensor pucks
- A wrist strap for a weak grip
- A USB-C charging cable
- A printed quick-start card with large text

## Made for one hand
- Switch it on with one large button; it pairs with a tablet or phone by itself.
- The app has large buttons, spoken instructions and no time limits.
- Exercises can be done sitting, with the arm supported.

Talk to your doctor or therapist before you start a new exercise programme.
"""

# Everything a shopper reads here was written for this shop.
PRODUCTS = [
    {
        "slug": "steadyhand-trainer",
        "name": "SteadyHand Trainer",
        "kind": ProductKind.DEVICE,
        "summary": "A hand and arm trainer with sensors and an exercise app, for daily practice at home after a stroke.",
        "description": FLAGSHIP_DESCRIPTION,
        "price_cents": 29900,
        "compare_at_cents": 34900,
        "sku": "SH-TRN-01",
        "stock": 25,
        "position": 1,
        "images": [
            ("img/products/trainer.svg", "The SteadyHand Trainer: a round blue hand grip with two small sensor pucks beside it"),
            ("img/products/trainer-in-use.svg", "A hand resting on the SteadyHand Trainer on a table, with a tablet showing the exercise game"),
        ],
    },
    {
        "slug": "home-recovery-bundle",
        "name": "Home Recovery Bundle",
        "kind": ProductKind.BUNDLE,
        "summary": "The SteadyHand Trainer with an assist strap, a non-slip mat and resistance bands: everything for a home practice corner.",
        "description": "Everything you need to set up a calm, safe place to practise at home.\n\n"
        "- SteadyHand Trainer\n- Assist strap\n- Non-slip tabletop mat\n- Resistance band set (three levels)\n\n"
        "Bought together, the bundle costs less than the four items on their own.",
        "price_cents": 36900,
        "compare_at_cents": None,
        "sku": "SH-BND-01",
        "stock": 10,
        "position": 2,
        "images": [("img/products/bundle.svg", "The Home Recovery Bundle laid out: trainer, strap, mat and three bands")],
    },
    {
        "slug": "assist-strap",
        "name": "Assist Strap",
        "kind": ProductKind.ACCESSORY,
        "summary": "A soft hook-and-loop strap that holds a weak hand on the trainer, so you can practise arm movements.",
        "description": "The strap wraps around the back of the hand and fastens with one hand. It is washable and fits most adult hands.",
        "price_cents": 1900,
        "compare_at_cents": None,
        "sku": "SH-ACC-STRAP",
        "stock": 80,
        "position": 3,
        "images": [("img/products/strap.svg", "A grey padded strap with a wide hook-and-loop fastening")],
    },
    {
        "slug": "non-slip-mat",
        "name": "Non-slip Tabletop Mat",
        "kind": ProductKind.ACCESSORY,
        "summary": "A grippy mat that keeps the trainer and your arm from sliding on the table.",
        "description": "Large enough for the trainer and a forearm. Wipe clean. Rolls up for storage.",
        "price_cents": 2400,
        "compare_at_cents": None,
        "sku": "SH-ACC-MAT",
        "stock": 4,
        "position": 4,
        "images": [("img/products/mat.svg", "A green rectangular rubber mat on a table")],
    },
    {
        "slug": "resistance-band-set",
        "name": "Resistance Band Set",
        "kind": ProductKind.ACCESSORY,
        "summary": "Three soft bands, light to firm, for finger and wrist exercises as strength returns.",
        "description": "Colour-coded from light to firm. Latex-free. Comes with a large-print sheet of six exercises.",
        "price_cents": 2900,
        "compare_at_cents": 3400,
        "sku": "SH-ACC-BANDS",
        "stock": 40,
        "position": 5,
        "images": [("img/products/bands.svg", "Three looped exercise bands in yellow, orange and red")],
    },
    {
        "slug": "spare-charging-cable",
        "name": "Spare Charging Cable",
        "kind": ProductKind.ACCESSORY,
        "summary": "A two-metre USB-C cable, so the trainer can charge where you practise.",
        "description": "Two metres long, braided, with a USB-C plug at each end.",
        "price_cents": 1200,
        "compare_at_cents": None,
        "sku": "SH-ACC-CABLE",
        "stock": 0,
        "position": 6,
        "images": [("img/products/cable.svg", "A coiled white charging cable")],
    },
    {
        "slug": "carers-guide",
        "name": "A Carer's Guide to Home Practice (PDF)",
        "kind": ProductKind.DIGITAL,
        "summary": "A plain-language guide for carers: setting up, staying safe, and keeping practice going on hard days.",
        "description": "A guide in large print that you can read on screen or print at home: setting up a practice corner, "
        "staying safe, how much to help, hard days, and looking after yourself. You get the download link by email "
        "right after you pay.",
        "download_file": "carers-guide.pdf",
        "price_cents": 900,
        "compare_at_cents": None,
        "sku": "SH-DIG-GUIDE",
        "stock": None,
        "position": 7,
        "images": [("img/products/guide.svg", "The cover of the carer's guide: a heart and two hands")],
    },
]


def seed_catalog() -> Iterator[str]:
    existing = set(db.session.scalars(select(Product.slug)))
    added = 0
    for spec in PRODUCTS:
        if spec["slug"] in existing:
            continue
        fields = {k: v for k, v in spec.items() if k != "images"}
        product = Product(**fields)
        product.images = [ProductImage(path=path, alt=alt, position=i) for i, (path, alt) in enumerate(spec["images"])]
        db.session.add(product)
        added += 1
    db.session.commit()
    yield f"catalogue: {added} products added, {len(existing)} already there"
