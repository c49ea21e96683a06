"""In-memory state and the business rules of the stand-in.

All state sits behind one re-entrant lock: the stand-in handles a handful of
requests at a time, and a single lock makes every operation (create a session,
pay it, refund it, expire it) atomic, including the events it emits.  Webhook
delivery happens on the dispatcher's own thread and never takes this lock, so
a shop that calls the API from inside its webhook handler cannot deadlock us.

Objects are stored as the very dicts the API returns; events carry deep copies
(snapshots), as Stripe's do.

:class:`Store` is one object made of one part per kind of Stripe object, all
sharing the tables in :class:`~.state.StoreState`:

============== ==========================================================
``sessions``   Checkout Sessions: create, retrieve, list, expire
``checkout``   paying a session (hosted page, ``/_standin/pay``)
``catalog``    line items, products, prices, shipping rates
``payments``   PaymentIntents and Charges, settling delayed payments
``refunds``    Refunds
``disputes``   Disputes: opened and decided by test controls, answered through the API
``events``     emitting, resending and listing Events
``expansion``  ``expand[]``
============== ==========================================================
"""

from __future__ import annotations

from .catalog import CatalogMixin
from .checkout import CheckoutError, CheckoutForm, CheckoutMixin, PayResult
from .disputes import DisputesMixin
from .events import EventsMixin
from .expansion import ExpansionMixin
from .payments import PaymentsMixin
from .refunds import RefundsMixin
from .sessions import SessionsMixin
from .state import NO_REQUEST, RequestInfo, newest_first


class Store(
    CheckoutMixin,
    SessionsMixin,
    CatalogMixin,
    PaymentsMixin,
    RefundsMixin,
    DisputesMixin,
    EventsMixin,
    ExpansionMixin,
):
    """The stand-in's state and business rules (one per stand-in instance)."""


__all__ = ["NO_REQUEST", "CheckoutError", "CheckoutForm", "PayResult", "RequestInfo", "Store", "newest_first"]
