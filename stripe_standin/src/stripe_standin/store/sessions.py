"""Checkout Sessions: create, retrieve, list, expire.

Paying a session is in checkout.py; its line items, prices and shipping rates
are in catalog.py.
"""

from __future__ import annotations

from typing import Any

from .. import objects
from ..errors import ApiError, ValidationError, missing_param
from ..reference import MINIMUM_CHARGE_AMOUNTS, format_money
from .catalog import CatalogMixin
from .payments import PaymentsMixin
from .state import NO_REQUEST, RequestInfo, newest_first

# Stripe's limits for ``expires_at`` relative to creation.
MIN_SESSION_LIFETIME = 30 * 60
MAX_SESSION_LIFETIME = 24 * 60 * 60


class SessionsMixin(CatalogMixin, PaymentsMixin):
    def get_session(self, session_id: str) -> dict[str, Any]:
        return self._get(self.sessions, "checkout.session", session_id, "session")

    def session_line_items(self, session_id: str) -> list[dict[str, Any]]:
        self.get_session(session_id)
        return self.line_items[session_id]

    def list_sessions(self, *, payment_intent: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return [
            s
            for s in newest_first(self.sessions)
            if (payment_intent is None or s["payment_intent"] == payment_intent)
            and (status is None or s["status"] == status)
        ]

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
        recompute_totals(session, line_items)
        return session

    # -- expiry ----------------------------------------------------------------

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
            due = [s for s in self.sessions.values() if self._past_expiry(s)]
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

    def _past_expiry(self, session: dict[str, Any]) -> bool:
        """Still open although ``expires_at`` has passed."""
        return session["status"] == "open" and session["expires_at"] <= self.now()

    def _expire(self, session: dict[str, Any], req: RequestInfo) -> None:
        session["status"] = "expired"
        session["url"] = None
        if session["payment_intent"]:
            self._cancel_abandoned(session["payment_intent"], req)
        self._emit("checkout.session.expired", session, req)

    def advance_clock(self, seconds: int) -> None:
        """Test control: time passes; sessions past ``expires_at`` expire now."""
        with self.lock:
            self.clock_offset += seconds
            self.expire_due_sessions()


def recompute_totals(session: dict[str, Any], line_items: list[dict[str, Any]]) -> None:
    subtotal = sum(item["amount_total"] for item in line_items)
    shipping = session["shipping_cost"]["amount_total"] if session["shipping_cost"] else 0
    session["amount_subtotal"] = subtotal
    session["amount_total"] = subtotal + shipping
    session["total_details"] = {"amount_discount": 0, "amount_shipping": shipping, "amount_tax": 0}
