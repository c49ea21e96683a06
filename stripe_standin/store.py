"""In-memory state and the business rules of the stand-in.

All state sits behind one re-entrant lock: the stand-in handles a handful of
requests at a time, and a single lock makes every operation (create a session,
pay it, refund it, expire it) atomic, including the events it emits.  Webhook
delivery happens on the dispatcher's own thread and never takes this lock, so
a shop that calls the API from inside its webhook handler cannot deadlock us.

Objects are stored as the very dicts the API returns; events carry deep copies
(snapshots), as Stripe's do.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import objects
from .config import StandinConfig
from .errors import ApiError, ValidationError, missing_param, resource_missing
from .reference import MINIMUM_CHARGE_AMOUNTS, format_money
from .webhooks import WebhookDispatcher

# Stripe's limits for ``expires_at`` relative to creation.
MIN_SESSION_LIFETIME = 30 * 60
MAX_SESSION_LIFETIME = 24 * 60 * 60

PAYMENT_METHODS = ("card_success", "card_declined", "delayed")

# Fields that ``expand[]`` may replace by the object they reference, per object type.
EXPANDABLE: dict[str, frozenset[str]] = {
    "checkout.session": frozenset(
        {"payment_intent", "customer", "invoice", "payment_link", "setup_intent", "subscription", "line_items"}
    ),
    "payment_intent": frozenset(
        {"latest_charge", "payment_method", "customer", "application", "on_behalf_of", "review"}
    ),
    "charge": frozenset(
        {"payment_intent", "balance_transaction", "customer", "application", "application_fee", "review"}
    ),
    "refund": frozenset({"charge", "payment_intent", "balance_transaction", "failure_balance_transaction"}),
    "price": frozenset({"product"}),
    "product": frozenset({"default_price"}),
    "item": frozenset(),
    "shipping_rate": frozenset(),
    "event": frozenset(),
}
MAX_EXPAND_DEPTH = 4


@dataclass(frozen=True)
class RequestInfo:
    """What an event's ``request`` field records about the API call behind it."""

    request_id: str | None = None
    idempotency_key: str | None = None
    base_url: str = ""


#: Events caused by the customer (hosted page) or by time carry ``request.id: null``.
NO_REQUEST = RequestInfo()


@dataclass
class CheckoutForm:
    """What the customer submitted on the hosted page (already validated for format)."""

    method: str
    email: str
    name: str
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    shipping_rate: str | None = None
    phone: str | None = None


@dataclass
class PayResult:
    outcome: str  # succeeded | processing | declined | no_payment_required
    session: dict[str, Any]
    redirect_url: str | None
    message: str | None = None


class CheckoutError(Exception):
    """The hosted page cannot take a payment for this session (not open, bad input)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Store:
    def __init__(self, config: StandinConfig, dispatcher: WebhookDispatcher) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.lock = threading.RLock()
        self.clock_offset = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.line_items: dict[str, list[dict[str, Any]]] = {}
        self.session_base_url: dict[str, str] = {}
        # payment_intent_data from session creation, applied when the PaymentIntent is created.
        self.payment_intent_data: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.shipping_rates: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        with self.lock:
            self._reset_state()
            self.clock_offset = 0
            self.dispatcher.reset()

    # -- clock --------------------------------------------------------------

    def now(self) -> int:
        """Stripe time: wall clock plus the test-controlled offset."""
        return int(time.time()) + self.clock_offset

    def advance_clock(self, seconds: int) -> None:
        with self.lock:
            self.clock_offset += seconds
            self.expire_due_sessions()

    # -- lookups ------------------------------------------------------------

    def _get(
        self, table: dict[str, dict[str, Any]], object_name: str, object_id: str, param: str, status: int = 404
    ) -> dict[str, Any]:
        obj = table.get(object_id)
        if obj is None:
            raise resource_missing(object_name, object_id, param, status=status)
        return obj

    def get_session(self, session_id: str) -> dict[str, Any]:
        return self._get(self.sessions, "checkout.session", session_id, "session")

    def get_payment_intent(self, pi_id: str) -> dict[str, Any]:
        return self._get(self.payment_intents, "payment_intent", pi_id, "intent")

    def get_charge(self, charge_id: str) -> dict[str, Any]:
        return self._get(self.charges, "charge", charge_id, "charge")

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        return self._get(self.refunds, "refund", refund_id, "id")

    def get_event(self, event_id: str) -> dict[str, Any]:
        return self.event_view(self._get(self.events, "event", event_id, "id"))

    def event_view(self, event: dict[str, Any]) -> dict[str, Any]:
        return {**event, "pending_webhooks": self.dispatcher.pending_count(event["id"])}

    def resolve(self, object_id: str) -> dict[str, Any] | None:
        """Find any stored object by id (for ``expand[]``)."""
        for table in (
            self.sessions,
            self.payment_intents,
            self.charges,
            self.refunds,
            self.payment_methods,
            self.products,
            self.prices,
            self.shipping_rates,
            self.events,
        ):
            if object_id in table:
                return table[object_id]
        return None

    def session_line_items(self, session_id: str) -> list[dict[str, Any]]:
        self.get_session(session_id)
        return self.line_items[session_id]

    def list_sessions(self, *, payment_intent: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        items = reversed(list(self.sessions.values()))  # newest first, like Stripe lists
        return [
            s
            for s in items
            if (payment_intent is None or s["payment_intent"] == payment_intent)
            and (status is None or s["status"] == status)
        ]

    def list_refunds(self, *, charge: str | None = None, payment_intent: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in reversed(list(self.refunds.values()))
            if (charge is None or r["charge"] == charge)
            and (payment_intent is None or r["payment_intent"] == payment_intent)
        ]

    def list_events(self, types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = set(types) if types else None
        return [
            self.event_view(e)
            for e in reversed(list(self.events.values()))
            if wanted is None or _type_matches(e["type"], wanted)
        ]

    # -- expansion ----------------------------------------------------------

    def expand(self, obj: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
        """Return a deep copy of ``obj`` with ``expand[]`` paths resolved."""
        result = copy.deepcopy(obj)
        for path in paths:
            parts = path.split(".")
            if len(parts) > MAX_EXPAND_DEPTH:
                raise ValidationError(
                    f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. Property: {path}",
                    param="expand",
                )
            self._expand_into(result, parts, path)
        return result

    def _expand_into(self, node: Any, parts: list[str], path: str) -> None:
        if isinstance(node, list):
            for item in node:
                self._expand_into(item, parts, path)
            return
        if not isinstance(node, dict):
            return
        key, rest = parts[0], parts[1:]
        if node.get("object") == "list" and key == "data":
            if rest:
                self._expand_into(node["data"], rest, path)
            return
        object_type = node.get("object")
        if object_type == "checkout.session" and key == "line_items":
            node[key] = self._line_items_list(node["id"], self.line_items.get(node["id"], []))
        elif object_type in EXPANDABLE and key in EXPANDABLE[object_type]:
            value = node.get(key)
            if isinstance(value, str):
                target = self.resolve(value)
                if target is not None:
                    node[key] = copy.deepcopy(target)
        elif rest and isinstance(node.get(key), (dict, list)):
            pass  # a plain nested hash (e.g. shipping_cost): walk through it
        else:
            raise ValidationError(f"This property cannot be expanded ({path}).", param="expand")
        if rest and node.get(key) is not None:
            self._expand_into(node[key], rest, path)

    @staticmethod
    def _line_items_list(session_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return objects.list_object(copy.deepcopy(items), f"/v1/checkout/sessions/{session_id}/line_items")

    # -- events -------------------------------------------------------------

    def _emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        req: RequestInfo,
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = objects.event(
            event_type=event_type,
            obj=copy.deepcopy(obj),
            created=self.now(),
            api_version=self.config.api_version,
            request_id=req.request_id,
            idempotency_key=req.idempotency_key,
            previous_attributes=previous_attributes,
        )
        self.events[event["id"]] = event
        # The delivered body says how many endpoints still wait for it (one).
        self.dispatcher.enqueue({**event, "pending_webhooks": 1})
        return event

    def resend_event(self, event_id: str) -> dict[str, Any] | None:
        with self.lock:
            event = self._get(self.events, "event", event_id, "id")
        delivery = self.dispatcher.resend(event)
        return delivery.summary() if delivery else None

    # -- Checkout Sessions ----------------------------------------------------

    def create_session(self, params: dict[str, Any], req: RequestInfo) -> dict[str, Any]:
        """POST /v1/checkout/sessions after schema validation (see params.py)."""
        with self.lock:
            return self._create_session(params, req)

    def _create_session(self, params: dict[str, Any], req: RequestInfo) -> dict[str, Any]:
        now = self.now()
        if params["mode"] != "payment":
            raise ValidationError(
                f"The Stripe stand-in only implements `mode=payment`, not `mode={params['mode']}`.", param="mode"
            )
        if params.get("ui_mode", "hosted_page") != "hosted_page":
            raise ValidationError(
                f"The Stripe stand-in only implements `ui_mode=hosted_page`, not `ui_mode={params['ui_mode']}`.",
                param="ui_mode",
            )
        items = params.get("line_items")
        if not items:
            raise missing_param("line_items")

        # Validate everything before creating any object, so a rejected request
        # leaves no stray products/prices/shipping rates behind.
        planned_items = [self._plan_line_item(i, item) for i, item in enumerate(items)]
        currency = planned_items[0][0]["currency"]
        for i, (price_spec, _, _, _) in enumerate(planned_items):
            if price_spec["currency"] != currency:
                raise ValidationError(
                    f"All line items must use the same currency; line_items[0] is in {currency} "
                    f"but line_items[{i}] is in {price_spec['currency']}.",
                    param=f"line_items[{i}][price_data][currency]",
                )
        planned_rates = [
            self._plan_shipping_option(j, option, currency)
            for j, option in enumerate(params.get("shipping_options", []))
        ]

        expires_at = params.get("expires_at", now + MAX_SESSION_LIFETIME)
        if expires_at < now + MIN_SESSION_LIFETIME:
            raise ValidationError(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                param="expires_at",
            )
        if expires_at > now + MAX_SESSION_LIFETIME:
            raise ValidationError(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                param="expires_at",
            )

        subtotal = sum(spec["unit_amount"] * quantity for spec, _, quantity, _ in planned_items)
        first_shipping = planned_rates[0]["fixed_amount"]["amount"] if planned_rates else 0
        minimum = MINIMUM_CHARGE_AMOUNTS.get(currency)
        if minimum and 0 < subtotal + first_shipping < minimum:
            raise ValidationError(
                "The Checkout Session's total amount due must add up to at least "
                f"{format_money(minimum, currency)} {currency}",
            )

        line_items = [
            self._create_line_item(spec, product_spec, quantity, metadata, now)
            for spec, product_spec, quantity, metadata in planned_items
        ]
        rates = [self._create_shipping_rate(rate_spec, now) for rate_spec in planned_rates]
        session_id = objects.new_session_id()
        base_url = (self.config.public_url or req.base_url).rstrip("/")
        session = objects.checkout_session(
            session_id=session_id,
            created=now,
            expires_at=expires_at,
            params=params,
            currency=currency,
            url=f"{base_url}/pay/{session_id}",
            shipping_options=rates,
            payment_method_types=["card", objects.delayed_method_type(currency)],
            account_name=self.config.display_name,
        )
        if rates:
            # Checkout preselects the first shipping option.
            session["shipping_cost"] = objects.shipping_cost(rates[0])
        self.sessions[session_id] = session
        self.line_items[session_id] = line_items
        self.session_base_url[session_id] = base_url
        self.payment_intent_data[session_id] = params.get("payment_intent_data", {})
        _recompute_totals(session, line_items)
        return session

    def _plan_line_item(
        self, index: int, item: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any] | str, int, dict[str, str]]:
        path = f"line_items[{index}]"
        if ("price" in item) == ("price_data" in item):
            raise ValidationError(
                "You must provide either price or price_data for each line item when using prices.", param=path
            )
        if "quantity" not in item:
            raise missing_param(f"{path}[quantity]")
        if "price" in item:
            existing = self._get(self.prices, "price", item["price"], f"{path}[price]", status=400)
            return existing, existing["product"], item["quantity"], item.get("metadata", {})
        data = item["price_data"]
        data_path = f"{path}[price_data]"
        if "unit_amount" not in data:
            raise missing_param(f"{data_path}[unit_amount]")
        if ("product" in data) == ("product_data" in data):
            raise ValidationError(
                "You must specify either `product` or `product_data` when creating a price.", param=data_path
            )
        product_spec: dict[str, Any] | str
        if "product" in data:
            product_spec = self._get(self.products, "product", data["product"], f"{data_path}[product]", status=400)[
                "id"
            ]
        else:
            product_spec = data["product_data"]
        return data, product_spec, item["quantity"], item.get("metadata", {})

    def _create_line_item(
        self,
        price_spec: dict[str, Any],
        product_spec: dict[str, Any] | str,
        quantity: int,
        metadata: dict[str, str],
        now: int,
    ) -> dict[str, Any]:
        if price_spec.get("object") == "price":  # an existing price (line_items[N][price])
            price_obj = price_spec
        else:
            if isinstance(product_spec, str):
                product_id = product_spec
            else:
                product_obj = objects.product(product_spec, now)
                self.products[product_obj["id"]] = product_obj
                product_id = product_obj["id"]
            price_obj = objects.price(price_spec, product_id, now)
            self.prices[price_obj["id"]] = price_obj
        name = self.products[price_obj["product"]]["name"]
        return objects.line_item(copy.deepcopy(price_obj), name, quantity, metadata)

    def _plan_shipping_option(self, index: int, option: dict[str, Any], currency: str) -> dict[str, Any]:
        path = f"shipping_options[{index}]"
        if ("shipping_rate" in option) == ("shipping_rate_data" in option):
            raise ValidationError("You must provide either shipping_rate or shipping_rate_data.", param=path)
        if "shipping_rate" in option:
            rate = self._get(
                self.shipping_rates, "shipping_rate", option["shipping_rate"], f"{path}[shipping_rate]", status=400
            )
            param = f"{path}[shipping_rate]"
        else:
            rate = option["shipping_rate_data"]
            param = f"{path}[shipping_rate_data][fixed_amount][currency]"
            if "fixed_amount" not in rate:
                raise missing_param(f"{path}[shipping_rate_data][fixed_amount]")
        rate_currency = rate["fixed_amount"]["currency"]
        if rate_currency != currency:
            raise ValidationError(
                f"The currency of the shipping rate ({rate_currency}) must match the currency of the "
                f"line items ({currency}).",
                param=param,
            )
        return rate

    def _create_shipping_rate(self, spec: dict[str, Any], now: int) -> dict[str, Any]:
        if spec.get("object") == "shipping_rate":
            return spec
        rate = objects.shipping_rate(spec, now)
        self.shipping_rates[rate["id"]] = rate
        return rate

    def expire_session(self, session_id: str, req: RequestInfo) -> dict[str, Any]:
        """POST /v1/checkout/sessions/{id}/expire."""
        with self.lock:
            session = self.get_session(session_id)
            if session["status"] != "open":
                raise ApiError(
                    'Only Checkout Sessions with a status in ["open"] can be expired. '
                    f"This Checkout Session has a status of `{session['status']}`."
                )
            self._expire(session, req)
            return session

    def expire_due_sessions(self) -> int:
        """Expire open sessions whose ``expires_at`` has passed (the sweeper)."""
        with self.lock:
            due = [s for s in self.sessions.values() if s["status"] == "open" and s["expires_at"] <= self.now()]
            for session in due:
                self._expire(session, NO_REQUEST)
            return len(due)

    def expire_now(self, session_id: str) -> dict[str, Any]:
        """Test control: behave as if ``expires_at`` had just passed."""
        with self.lock:
            session = self.get_session(session_id)
            if session["status"] != "open":
                raise ApiError(f"Checkout Session {session_id} is {session['status']}, not open.", status=409)
            session["expires_at"] = min(session["expires_at"], self.now())
            self._expire(session, NO_REQUEST)
            return session

    def _expire(self, session: dict[str, Any], req: RequestInfo) -> None:
        session["status"] = "expired"
        session["url"] = None
        pi_id = session["payment_intent"]
        if pi_id:
            # A PaymentIntent left over from declined attempts is canceled with the session.
            pi = self.payment_intents[pi_id]
            if pi["status"] == "requires_payment_method":
                pi["status"] = "canceled"
                pi["canceled_at"] = self.now()
                pi["cancellation_reason"] = "abandoned"
                self._emit("payment_intent.canceled", pi, req)
        self._emit("checkout.session.expired", session, req)

    # -- paying (hosted page and /_standin/pay) -------------------------------

    def ensure_payable(self, session_id: str) -> dict[str, Any]:
        """The open session, or CheckoutError (409) if it is complete or expired.

        A session whose ``expires_at`` passed but that the sweeper has not
        reached yet is expired right here, so it can never be paid late.
        """
        with self.lock:
            session = self.get_session(session_id)
            if session["status"] == "open" and session["expires_at"] <= self.now():
                self._expire(session, NO_REQUEST)
            if session["status"] != "open":
                raise CheckoutError(_NOT_OPEN_MESSAGES[session["status"]], status=409)
            return session

    def pay(self, session_id: str, form: CheckoutForm) -> PayResult:
        with self.lock:
            session = self.ensure_payable(session_id)
            self._apply_shipping_choice(session, form.shipping_rate)
            collection = session["shipping_address_collection"]
            if collection and form.country not in collection["allowed_countries"]:
                raise CheckoutError(f"We do not ship to {form.country}.", status=400)

            addr = objects.address(form.line1, form.line2, form.city, form.state, form.postal_code, form.country)
            details = objects.customer_details(form.email, form.name, addr, phone=form.phone)
            shipping_details = {"address": addr, "name": form.name} if collection else None

            if session["amount_total"] == 0:
                # Nothing to pay (e.g. free items): Checkout completes without a PaymentIntent.
                self._complete(session, details, shipping_details, "no_payment_required")
                return PayResult("no_payment_required", session, _success_redirect(session))

            if form.method not in PAYMENT_METHODS:
                raise CheckoutError("Choose a payment method.", status=400)
            pi = self._payment_intent_for(session, form.name, addr if collection else None)
            billing = objects.billing_details(form.email, form.name, addr, phone=form.phone)
            if form.method == "delayed":
                pm = objects.payment_method(objects.delayed_method_type(session["currency"]), billing, self.now())
            else:
                card = objects.CARD_DECLINED if form.method == "card_declined" else objects.CARD_SUCCESS
                pm = objects.payment_method("card", billing, self.now(), card=card)
            self.payment_methods[pm["id"]] = pm
            pi["payment_method"] = pm["id"]
            base = self.session_base_url[session["id"]]

            if form.method == "card_declined":
                ch = objects.charge(pi=pi, pm=pm, created=self.now(), status="failed", receipt_base_url=base)
                ch["failure_code"] = "card_declined"
                ch["failure_message"] = "Your card was declined."
                ch["receipt_url"] = None
                self.charges[ch["id"]] = ch
                pi["latest_charge"] = ch["id"]
                pi["payment_method"] = None
                pi["last_payment_error"] = {
                    "advice_code": "try_again_later",
                    "charge": ch["id"],
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                    "message": "Your card was declined.",
                    "payment_method": copy.deepcopy(pm),
                    "type": "card_error",
                }
                self._emit("charge.failed", ch, NO_REQUEST)
                self._emit("payment_intent.payment_failed", pi, NO_REQUEST)
                return PayResult("declined", session, None, "Your card was declined.")

            status = "pending" if form.method == "delayed" else "succeeded"
            ch = objects.charge(pi=pi, pm=pm, created=self.now(), status=status, receipt_base_url=base)
            self.charges[ch["id"]] = ch
            pi["latest_charge"] = ch["id"]
            pi["last_payment_error"] = None
            if form.method == "delayed":
                pi["status"] = "processing"
                self._emit("charge.pending", ch, NO_REQUEST)
                self._emit("payment_intent.processing", pi, NO_REQUEST)
                self._complete(session, details, shipping_details, "unpaid")
                return PayResult("processing", session, _success_redirect(session))
            pi["status"] = "succeeded"
            pi["amount_received"] = pi["amount"]
            self._emit("charge.succeeded", ch, NO_REQUEST)
            self._emit("payment_intent.succeeded", pi, NO_REQUEST)
            self._complete(session, details, shipping_details, "paid")
            return PayResult("succeeded", session, _success_redirect(session))

    def _apply_shipping_choice(self, session: dict[str, Any], rate_id: str | None) -> None:
        options = [o["shipping_rate"] for o in session["shipping_options"]]
        if not options:
            return
        if rate_id is None:
            rate_id = session["shipping_cost"]["shipping_rate"]
        if rate_id not in options:
            raise CheckoutError("Choose one of the offered shipping options.", status=400)
        session["shipping_cost"] = objects.shipping_cost(self.shipping_rates[rate_id])
        _recompute_totals(session, self.line_items[session["id"]])

    def _payment_intent_for(
        self, session: dict[str, Any], name: str, shipping_addr: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The session's PaymentIntent, created on the first confirmation attempt."""
        pi_id = session["payment_intent"]
        if pi_id:
            pi = self.payment_intents[pi_id]
            pi["amount"] = session["amount_total"]
        else:
            data = self.payment_intent_data.get(session["id"], {})
            pi = objects.payment_intent(
                amount=session["amount_total"],
                currency=session["currency"],
                created=self.now(),
                metadata=dict(data.get("metadata", {})),
                description=data.get("description"),
                receipt_email=data.get("receipt_email"),
                payment_method_types=list(session["payment_method_types"]),
            )
            self.payment_intents[pi["id"]] = pi
            session["payment_intent"] = pi["id"]
            self._emit("payment_intent.created", pi, NO_REQUEST)
        pi["shipping"] = objects.pi_shipping(name, shipping_addr) if shipping_addr else None
        return pi

    def _complete(
        self,
        session: dict[str, Any],
        details: dict[str, Any],
        shipping_details: dict[str, Any] | None,
        payment_status: str,
    ) -> None:
        session["status"] = "complete"
        session["payment_status"] = payment_status
        session["url"] = None
        session["customer_details"] = details
        session["collected_information"] = {
            "business_name": None,
            "individual_name": None,
            "shipping_details": shipping_details,
        }
        if session["automatic_tax"]["enabled"]:
            session["automatic_tax"]["status"] = "complete"
        self._emit("checkout.session.completed", session, NO_REQUEST)

    # -- delayed payment settlement (test control) ----------------------------

    def settle(self, pi_id: str, outcome: str) -> dict[str, Any]:
        """Finish a ``processing`` (bank debit) PaymentIntent as ``succeeded`` or ``failed``."""
        with self.lock:
            pi = self.get_payment_intent(pi_id)
            if pi["status"] != "processing":
                raise ApiError(
                    f"PaymentIntent {pi_id} has status `{pi['status']}`; only `processing` (delayed) "
                    "payments can be settled.",
                    status=409,
                )
            ch = self.charges[pi["latest_charge"]]
            session = next(s for s in self.sessions.values() if s["payment_intent"] == pi_id)
            if outcome == "succeeded":
                ch.update(status="succeeded", paid=True, captured=True, amount_captured=ch["amount"])
                pi.update(status="succeeded", amount_received=pi["amount"])
                self._emit("charge.succeeded", ch, NO_REQUEST)
                self._emit("payment_intent.succeeded", pi, NO_REQUEST)
                session["payment_status"] = "paid"
                self._emit("checkout.session.async_payment_succeeded", session, NO_REQUEST)
            else:
                message = "The customer's account has insufficient funds to cover this payment."
                ch.update(status="failed", failure_code="insufficient_funds", failure_message=message)
                ch["outcome"] = {
                    **objects.OUTCOME_DECLINED,
                    "advice_code": None,
                    "reason": None,
                    "seller_message": message,
                }
                pi.update(status="requires_payment_method", payment_method=None)
                pi["last_payment_error"] = {
                    "charge": ch["id"],
                    "code": "insufficient_funds",
                    "doc_url": "https://stripe.com/docs/error-codes/insufficient-funds",
                    "message": message,
                    "payment_method": copy.deepcopy(self.payment_methods[ch["payment_method"]]),
                    "type": "invalid_request_error",
                }
                self._emit("charge.failed", ch, NO_REQUEST)
                self._emit("payment_intent.payment_failed", pi, NO_REQUEST)
                self._emit("checkout.session.async_payment_failed", session, NO_REQUEST)
            return pi

    # -- refunds ----------------------------------------------------------------

    def create_refund(self, params: dict[str, Any], req: RequestInfo) -> dict[str, Any]:
        """POST /v1/refunds (also used by the dashboard's refund button)."""
        with self.lock:
            pi_id = params.get("payment_intent")
            charge_id = params.get("charge")
            if pi_id is None and charge_id is None:
                raise ValidationError(
                    "One of the following params should be provided for this request: payment_intent or charge."
                )
            if pi_id is not None:
                pi = self._get(self.payment_intents, "payment_intent", pi_id, "payment_intent", status=400)
                if pi["status"] != "succeeded":
                    raise ApiError(
                        f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                        param="payment_intent",
                    )
                ch = self.charges[pi["latest_charge"]]
                if charge_id is not None and charge_id != ch["id"]:
                    raise ApiError(
                        f"The charge {charge_id} does not belong to the PaymentIntent {pi_id}.", param="charge"
                    )
            else:
                ch = self._get(self.charges, "charge", charge_id, "charge", status=400)
                if ch["status"] != "succeeded":
                    raise ApiError(
                        f"This charge ({charge_id}) has not succeeded and cannot be refunded.", param="charge"
                    )
            remaining = ch["amount"] - ch["amount_refunded"]
            if remaining <= 0:
                raise ApiError(f"Charge {ch['id']} has already been refunded.", code="charge_already_refunded")
            amount = params.get("amount", remaining)
            if amount > remaining:
                raise ApiError(
                    f"Refund amount ({format_money(amount, ch['currency'])}) is greater than unrefunded amount "
                    f"on charge ({format_money(remaining, ch['currency'])})",
                    code="amount_too_large",
                    param="amount",
                )
            refund = objects.refund(
                ch=ch,
                amount=amount,
                created=self.now(),
                reason=params.get("reason"),
                metadata=params.get("metadata", {}),
            )
            self.refunds[refund["id"]] = refund
            previous = {"amount_refunded": ch["amount_refunded"], "refunded": ch["refunded"]}
            ch["amount_refunded"] += amount
            ch["refunded"] = ch["amount_refunded"] == ch["amount"]
            if not ch["refunded"]:
                del previous["refunded"]
            self._emit("refund.created", refund, req)
            self._emit("charge.refunded", ch, req, previous_attributes=previous)
            return refund

    def fail_refund(self, refund_id: str, failure_reason: str = "expired_or_canceled_card") -> dict[str, Any]:
        """Test control: the bank rejects a refund after it was accepted (Stripe sends refund.failed)."""
        with self.lock:
            refund = self.get_refund(refund_id)
            if refund["status"] not in ("succeeded", "pending"):
                raise ApiError(f"Refund {refund_id} has status `{refund['status']}` and cannot fail.", status=409)
            previous = {"status": refund["status"], "failure_reason": None}
            refund["status"] = "failed"
            refund["failure_reason"] = failure_reason
            refund["failure_balance_transaction"] = None
            ch = self.charges[refund["charge"]]
            ch["amount_refunded"] -= refund["amount"]
            ch["refunded"] = False
            self._emit("charge.refund.updated", refund, NO_REQUEST, previous_attributes=previous)
            self._emit("refund.updated", refund, NO_REQUEST, previous_attributes=previous)
            self._emit("refund.failed", refund, NO_REQUEST)
            return refund

    # -- dashboard helpers --------------------------------------------------------

    def snapshot(
        self, table: str, view: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        with self.lock:
            items = list(reversed(list(getattr(self, table).values())))
            return [copy.deepcopy(view(i) if view else i) for i in items]


_NOT_OPEN_MESSAGES = {
    "complete": "This Checkout Session is already complete.",
    "expired": "This Checkout Session has expired and can no longer be paid.",
}


def _success_redirect(session: dict[str, Any]) -> str | None:
    url = session["success_url"]
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None


def _recompute_totals(session: dict[str, Any], line_items: list[dict[str, Any]]) -> None:
    subtotal = sum(item["amount_total"] for item in line_items)
    shipping = session["shipping_cost"]["amount_total"] if session["shipping_cost"] else 0
    session["amount_subtotal"] = subtotal
    session["amount_total"] = subtotal + shipping
    session["total_details"] = {"amount_discount": 0, "amount_shipping": shipping, "amount_tax": 0}


def _type_matches(event_type: str, wanted: set[str]) -> bool:
    # Stripe's ``type`` filter accepts ``*`` wildcards such as ``checkout.session.*``.
    for pattern in wanted:
        if pattern == event_type:
            return True
        if pattern.endswith("*") and event_type.startswith(pattern[:-1]):
            return True
    return False
