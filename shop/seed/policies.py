"""The shop's policy pages, written for this shop in plain words: what we do, not legal
advice. Staff change them in the staff area; the seed only adds a page that is missing."""
from __future__ import annotations

from collections.abc import Iterator

from shop.policies.services import POLICIES, PolicyToSeed, add_missing_policies

RETURNS = """\
We want the SteadyHand Trainer and its accessories to help. If something is not right for
you, you can send it back.

## How long you have
You have [[return-days]] days from the day your parcel arrives. You do not need to give us a
reason.

## How to send something back
1. Write to us at the address at the foot of this page, with your order number. Your order
   number starts with SH- and is in your confirmation email.
2. We reply with a return label and the address to send it to. We pay the postage for a
   faulty or wrong item.
3. Pack the item in its box if you still have it. Used is fine: the trainer is meant to be
   used. Please include the cable and the strap.

## Your money back
We refund what you paid for the item within 5 working days of it reaching us, to the card or
bank account you paid with. Banks usually show the refund 5 to 10 days after that. We email
you when we send the refund, and your order page shows it too.

If we refund the whole order, the shipping is refunded as well.

## The carer's guide and other downloads
A download cannot be sent back. If the file does not open, or is not what you expected,
write to us within [[return-days]] days and we will refund it. Once refunded, its download
link stops working.

## If we are late, or something is broken
If your parcel arrives damaged, please take a photo and write to us. We send a replacement
or refund you, whichever you prefer. You do not need to send back a broken item unless we
ask.
"""

WARRANTY = """\
## What the warranty covers
The SteadyHand Trainer has a two-year warranty from the day it arrives. If it stops working
properly because of a fault in how it was made, we repair it or send you a new one, free,
including postage both ways.

Accessories (the strap, the mat, the bands and the cable) have a one-year warranty.

## What it does not cover
- Wear from normal use, such as a worn strap or a faded mat.
- Damage from a fall, from water, or from opening the trainer.
- Loss or theft.

## How to use the warranty
Write to us with your order number and a few words about what went wrong. A short video
helps, but is not needed. We may ask you to try a few simple things first, such as a full
charge. If that does not help, we send a return label.

## Your other rights
This warranty is ours, and it comes on top of any rights the law where you live already
gives you. It does not take any of them away.
"""

SHIPPING = """\
## Where we send to
We send to addresses in the United States and Canada.

## What it costs
Shipping is a flat fee, shown before you pay. Orders over the amount shown in the cart ship
free. The carer's guide and other downloads have no shipping: you get the download link by
email as soon as you have paid.

## How long it takes
We pack orders on working days, usually the same day or the next. Delivery then takes 3 to 7
working days.

## Tracking
When your parcel leaves us, we email you the carrier and a tracking link. Bigger orders may
come in more than one parcel; each one has its own tracking. Your order page always shows
every parcel and where it is.

## If it does not arrive
If the tracking has not moved for a week, or your parcel is lost, write to us. We look into
it with the carrier and send a replacement or refund you.
"""

PRIVACY = """\
## What we keep, and why
- **Your name, address, email and phone number**, to send your order, to email you about it
  and to answer your questions.
- **What you bought and what you paid**, because we must keep records of sales, and so we
  can help with returns and warranty repairs.
- **Your story**, if you chose to send us one, and your email address with it, so we can
  check the wording with you before we publish anything.
- **Your email address for the free ebook and newsletter**, only if you ticked the box to ask
  for it. Every email has a link to stop them at once.

## What we never keep
Your card or bank details. Payments go through Stripe, our payment company, and we never see
your card number. We see only the kind of card and its last four digits, which go on your
receipt.

## Who else sees it
- Stripe, to take your payment.
- The carrier (for example USPS, UPS or FedEx), to deliver your parcel.
- Our email provider, to send you emails about your order.

We do not sell your details, and we do not share them for anyone's advertising.

## Cookies
We use two small cookies: one remembers your cart, and one keeps forms safe from misuse. We do
not use advertising or tracking cookies.

## How long we keep it
Order records are kept for seven years, for tax. Stories and newsletter addresses are deleted
when you ask.

## Your choices
Write to us to see what we hold about you, to correct it, or to ask us to delete it. We
answer within a month.
"""

TERMS = """\
These are the terms on which we sell to you. Please read them before you pay.

## Who we are
We are a small company that makes home rehabilitation equipment. Our contact details are at
the foot of every page.

## Prices and payment
Prices are in US dollars and include everything except shipping and any sales tax, which are
shown before you pay. You pay on a secure page run by Stripe. Your order is confirmed when
the payment goes through, and we email you to say so.

## Not medical advice
Our products and articles support practice at home. They do not replace your doctor or
therapist. Please ask them before you start a new exercise programme, and stop if an exercise
hurts.

## Delivery
Our [shipping page](/policies/shipping) says where we send to, what it costs and how long it
takes.

## Changing your mind
You may send products back within [[return-days]] days of delivery. Our
[returns page](/policies/returns) explains how.

## If something goes wrong
Our products come with a [warranty](/policies/warranty). If we make a mistake, we put it
right. If you are not happy with how we handled something, please write to us first: most
problems are solved with one email.

## Downloads
A download is for you and the people you care for. Please do not share the file or its link
publicly.
"""

ACCESSIBILITY = """\
Many of our customers are stroke survivors and carers. Some use one hand, some use a keyboard
or a phone, and some read slowly or see poorly. We build this website for them.

## What we do
- Large text and large buttons throughout, and no screen that moves on by itself.
- No time limits: you can take as long as you need on any page, including while paying.
- Every page works with a keyboard alone, and without JavaScript.
- Plain words. Every picture has a description for screen readers.
- Every order email has a link to your order page, so you never need to remember a password.
- Receipts and our guides are PDFs in large print, in Atkinson Hyperlegible, a typeface made
  for readers with low vision.

## How we check
We test our pages with a keyboard and with an automatic accessibility checker each time we
change them, and we aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level
AA.

## What is not perfect yet
The payment page is run by Stripe, our payment company. It is built to be accessible, but we
cannot change it ourselves.

## Tell us
If anything on this site is hard to use, please tell us: write to the address at the foot of
this page, or ask someone to write for you. We reply within two working days, and we can
send anything on the site by email or in large print on paper.
"""

SUMMARIES = {
    "returns": "You can send products back within [[return-days]] days of delivery; here is how, and how you get "
               "your money back.",
    "warranty": "Two years on the SteadyHand Trainer and one year on accessories: what is covered and how to use it.",
    "shipping": "Where we send to, what it costs, how long it takes, and how to track your parcels.",
    "privacy": "What we keep about you, why, who else sees it, and how to ask us to change or delete it.",
    "terms": "The terms on which we sell to you, in plain words.",
    "accessibility": "How we make this website easy to use, how we check it, and how to tell us when it is not.",
}
BODIES = {"returns": RETURNS, "warranty": WARRANTY, "shipping": SHIPPING, "privacy": PRIVACY, "terms": TERMS,
          "accessibility": ACCESSIBILITY}


def seed_policies() -> Iterator[str]:
    pages = [PolicyToSeed(slug, title, SUMMARIES[slug], BODIES[slug]) for slug, title in POLICIES]
    added = add_missing_policies(pages)
    yield f"policy pages: {added} added, {len(pages) - added} already there"
