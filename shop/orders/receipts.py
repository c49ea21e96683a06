"""The receipt of a paid order, as a large-print PDF (shop/pdf.py): what a carer needs for
an insurance, HSA or FSA claim. Built from the order as the database holds it, so it
always shows the refunds made so far."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from fpdf.fonts import FontFace

from shop.errors import NotFound
from shop.money import format_money
from shop.orders.models import LIVE_REFUND_STATUSES, Order, OrderRefund
from shop.orders.refunds import refunds_of
from shop.pdf import BODY_SIZE, FAMILY, LargePrintDocument

TABLE_SIZE = 14  # points: still large print, so four columns fit across a page

HSA_NOTE = (
    "For an HSA, FSA or insurance claim: this receipt shows what was bought, what it cost and what was paid. "
    "Some plans also ask for a note from your doctor or therapist saying the equipment helps your recovery. "
    "Please check with your plan what it needs."
)


class ReceiptNotReady(NotFound):
    def __init__(self) -> None:
        super().__init__("There is no receipt for this order yet: it has not been paid.")


@dataclass(frozen=True)
class ShopDetails:
    name: str
    postal_address: str
    support_email: str
    base_url: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "ShopDetails":
        return cls(config["SHOP_NAME"], config["SHOP_POSTAL_ADDRESS"], config["SHOP_SUPPORT_EMAIL"],
                   config["SHOP_BASE_URL"])


def long_date(value: datetime) -> str:
    """5 March 2026 (UTC): the way every page and document the shopper reads writes dates."""
    return f"{value.day} {value:%B %Y}"


def payment_words(order: Order) -> str | None:
    """"Visa ending 4242", when Stripe told us how the order was paid."""
    if not order.payment_method_brand:
        return None
    brand = order.payment_method_brand
    brand = brand.title() if brand.islower() else brand  # "visa" -> "Visa"; "STRIPE TEST BANK" stays
    return f"{brand} ending {order.payment_method_last4}" if order.payment_method_last4 else brand


def receipt_pdf(order: Order, shop: ShopDetails) -> bytes:
    """The order's receipt. Raises ReceiptNotReady for an order never paid. Read-only."""
    if not order.is_paid or order.paid_at is None:
        raise ReceiptNotReady()
    refunds = [r for r in refunds_of(order) if r.status in LIVE_REFUND_STATUSES]

    def money(cents: int) -> str:
        return format_money(cents, order.currency)

    doc = LargePrintDocument(title=f"Receipt for order {order.number}", author=shop.name)
    doc.add_page()
    doc.title_block("Receipt", f"{shop.name}\n{shop.postal_address}\n{shop.support_email} · {shop.base_url}")
    doc.paragraph(f"Order number: {order.number}\nDate paid: {long_date(order.paid_at)}", bold=True)
    bought_by = "\n".join(part for part in (order.shipping_name, order.email) if part)
    if bought_by:
        doc.paragraph(f"Bought by:\n{bought_by}")

    doc.heading("What was bought")
    doc.set_font(FAMILY, "", TABLE_SIZE)
    with doc.table(col_widths=(46, 12, 21, 21), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD"), line_height=doc.font_size * 1.6,
                   padding=1.5) as table:
        heading = table.row()
        for title in ("Item", "How many", "Price each", "Total"):
            heading.cell(title)
        for line in order.lines:
            row = table.row()
            row.cell(f"{line.product_name} ({line.sku})")
            row.cell(str(line.quantity))
            row.cell(money(line.unit_price_cents))
            row.cell(money(line.line_total_cents))
    doc.ln(doc._height(BODY_SIZE) / 2)

    sums = [f"Subtotal: {money(order.subtotal_cents)}", f"Shipping: {money(order.shipping_cents)}",
            f"Tax: {money(order.tax_cents)}"]
    if order.discount_cents:
        sums.append(f"Discount: -{money(order.discount_cents)}")
    doc.paragraph("\n".join(sums))
    doc.paragraph(f"Total paid: {money(order.total_cents)}", bold=True)
    if words := payment_words(order):
        doc.paragraph(f"Paid with: {words}")

    if refunds:
        doc.heading("Refunds")
        refunded = sum(r.amount_cents for r in refunds)
        lines = [_refund_line(r, money) for r in refunds]
        doc.paragraph("\n".join(lines))
        doc.paragraph(f"Total refunded: {money(refunded)}\nPaid after refunds: {money(order.total_cents - refunded)}",
                      bold=True)

    if order.shipping_address:
        address = order.shipping_address
        place = " ".join(str(address.get(k) or "") for k in ("city", "state", "postal_code")).strip()
        parts = [order.shipping_name, address.get("line1"), address.get("line2"), place, address.get("country")]
        doc.heading("Sent to")
        doc.paragraph("\n".join(str(part) for part in parts if part))

    doc.heading("For your claim")
    doc.paragraph(HSA_NOTE)
    doc.paragraph(f"Questions about this receipt? Write to {shop.support_email} and give your order number.")
    return doc.to_bytes()


def _refund_line(refund: OrderRefund, money: Callable[[int], str]) -> str:
    pending = "" if refund.status == "succeeded" else " (on its way back)"
    return f"{long_date(refund.created_at)}: {money(refund.amount_cents)} refunded{pending}"
