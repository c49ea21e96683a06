"""Sending paid orders on their way: packed, then one or more parcels, each with its
carrier and tracking; delivered if staff choose to say so. Each staff action is one
function taking the acting staff member, in its own transaction, with its audit row."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shop.audit.services import Actor, record_change
from shop.database import utcnow, write_transaction
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.orders.emails import queue_parcels_shipped
from shop.orders.models import CARRIER_NAMES, Carrier, EventKind, OrderShipment, OrderStatus
from shop.orders.services import locked_order

# Paid and not yet on its way: what the packing table works from.
TO_SHIP = (OrderStatus.PAID, OrderStatus.FULFILLED)
# Parcels may be added while the order is on its way (a second parcel), and after part of
# it was refunded (the rest still goes out).
SHIPPABLE = TO_SHIP + (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED)
MAX_PARCELS_AT_ONCE = 3

_TRACKING = re.compile(r"[A-Z0-9-]{4,40}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ParcelInvalid(ShopError):
    """What staff typed for a parcel cannot be used. Nothing was changed."""


def normalise_tracking_number(raw: str | None) -> str | None:
    """"9400 1000 0000" -> "940010000000": carriers print numbers in groups; we keep the
    characters only. None when empty; ParcelInvalid when it cannot be a tracking number."""
    cleaned = re.sub(r"\s+", "", raw or "").upper()
    if not cleaned:
        return None
    if not _TRACKING.fullmatch(cleaned):
        raise ParcelInvalid("A tracking number has 4 to 40 letters and digits (spaces are fine). Please check it.")
    return cleaned


@dataclass(frozen=True)
class ParcelToShip:
    carrier: Carrier
    tracking_number: str | None = None
    carrier_name: str | None = None  # another carrier's name
    tracking_url: str | None = None  # another carrier's tracking page, https only

    def checked(self) -> "ParcelToShip":
        """The same parcel with tidy values, or ParcelInvalid with words for staff."""
        number = normalise_tracking_number(self.tracking_number)
        if self.carrier is not Carrier.OTHER:
            if number is None:
                raise ParcelInvalid(f"Please give the {CARRIER_NAMES[self.carrier]} tracking number.")
            return ParcelToShip(self.carrier, number)
        name = _CONTROL.sub("", self.carrier_name or "").strip()
        if not name or len(name) > 80:
            raise ParcelInvalid("Please name the carrier (up to 80 letters).")
        url = (self.tracking_url or "").strip() or None
        if url is not None and (not url.startswith("https://") or len(url) > 500 or _CONTROL.search(url)
                                or re.search(r"\s", url)):
            raise ParcelInvalid("A tracking page address must start with https:// and have no spaces.")
        return ParcelToShip(Carrier.OTHER, number, name, url)


def ship_parcels(number: str, parcels: Sequence[ParcelToShip], *, actor: Actor) -> list[OrderShipment]:
    """Record parcels sent for a paid order, move it to shipped (the first time), and queue
    the "on its way" email with a tracking link per parcel. A parcel whose carrier and
    tracking number the order already has is not added again (a form sent twice); returns
    the parcels added, empty when there were none. Transactional. Raises OrderNotFound,
    ParcelInvalid or Conflict (nothing to ship, or not paid); nothing is changed then."""
    checked = [parcel.checked() for parcel in parcels]
    if not 1 <= len(checked) <= MAX_PARCELS_AT_ONCE:
        raise ParcelInvalid(f"Add from 1 to {MAX_PARCELS_AT_ONCE} parcels at a time.")
    source = actor.source
    with write_transaction():
        order = locked_order(number)
        if not order.needs_shipping:
            raise Conflict(f"Order {order.number} holds only digital products, so there is nothing to ship. "
                           "Its download links were emailed when it was paid. Nothing was changed.")
        if order.status not in SHIPPABLE:
            raise Conflict(f"Order {order.number} is {order.status.value.replace('_', ' ')}, so it can't be marked "
                           "shipped. Only paid orders can be shipped. Nothing was changed.")
        known = {(s.carrier, s.tracking_number) for s in order.shipments if s.tracking_number}
        added = []
        for parcel in checked:
            if parcel.tracking_number and (parcel.carrier, parcel.tracking_number) in known:
                continue
            known.add((parcel.carrier, parcel.tracking_number))
            shipment = OrderShipment(carrier=parcel.carrier, carrier_name=parcel.carrier_name,
                                     tracking_number=parcel.tracking_number, tracking_url=parcel.tracking_url,
                                     shipped_by=actor.email)
            order.shipments.append(shipment)
            added.append(shipment)
        if not added:
            return []
        db.session.flush()
        for shipment in added:
            tracking = f", tracking {shipment.tracking_number}" if shipment.tracking_number else ", no tracking"
            order.record(EventKind.PARCEL_SHIPPED, source=source,
                         message=f"Parcel sent with {shipment.carrier_label}{tracking}")
        before = order.status
        if order.status is not OrderStatus.SHIPPED and order.can_move_to(OrderStatus.SHIPPED):
            order.transition_to(OrderStatus.SHIPPED, source=source, message="Marked shipped by staff")
        record_change(actor, "order.shipped", "order", order.number, changes={
            "status": (before, order.status),
            "parcels": (None, ", ".join(f"{s.carrier_label} {s.tracking_number or '(no tracking)'}" for s in added)),
        })
        queue_parcels_shipped(order, added)
    return added


def mark_packed(number: str, *, actor: Actor) -> bool:
    """Paid -> fulfilled (packed, waiting for the carrier). Returns False when it was already
    packed or on its way (a second press changes nothing); raises Conflict for any other
    state. Transactional."""
    with write_transaction():
        order = locked_order(number)
        if order.status in (OrderStatus.FULFILLED, OrderStatus.SHIPPED):
            return False
        if order.status is not OrderStatus.PAID or not order.needs_shipping:
            raise Conflict(f"Order {order.number} is {order.status.value.replace('_', ' ')}, so it can't be marked "
                           "packed. Only paid orders with something to ship can. Nothing was changed.")
        record_change(actor, "order.packed", "order", order.number, changes={"status": (order.status, OrderStatus.FULFILLED)})
        order.transition_to(OrderStatus.FULFILLED, source=actor.source, message="Packed by staff")
    return True


def mark_delivered(number: str, shipment_id: int, *, actor: Actor) -> bool:
    """Note that a parcel arrived (optional: carriers tell shoppers too). Returns False when
    it was already marked. Transactional; raises OrderNotFound or NotFound."""
    with write_transaction():
        order = locked_order(number)
        shipment = next((s for s in order.shipments if s.id == shipment_id), None)
        if shipment is None:
            raise NotFound("That parcel is not part of this order.")
        if shipment.delivered_at is not None:
            return False
        shipment.delivered_at = utcnow()
        record_change(actor, "order.parcel_delivered", "order", order.number,
                      changes={"parcel": (None, f"{shipment.carrier_label} {shipment.tracking_number or ''}".strip())})
        order.record(EventKind.PARCEL_DELIVERED, source=actor.source,
                     message=f"Parcel with {shipment.carrier_label} delivered")
    return True
