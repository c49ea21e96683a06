"""PaymentIntents and Charges: confirming with a test payment method, settling, canceling."""

from __future__ import annotations

import copy
from typing import Any

from .. import objects
from ..errors import ApiError, doc_url
from .events import EventsMixin
from .state import NO_REQUEST, RequestInfo

PAYMENT_METHODS = ("card_success", "card_declined", "delayed")

DECLINE_MESSAGE = "Your card was declined."
INSUFFICIENT_FUNDS_MESSAGE = "The customer's account has insufficient funds to cover this payment."


class PaymentsMixin(EventsMixin):
    def get_payment_intent(self, pi_id: str) -> dict[str, Any]:
        return self._get(self.payment_intents, "payment_intent", pi_id, "intent")

    def get_charge(self, charge_id: str) -> dict[str, Any]:
        return self._get(self.charges, "charge", charge_id, "charge")

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

    def _attempt_payment(self, pi: dict[str, Any], method: str, billing: dict[str, Any], receipt_base_url: str) -> str:
        """Confirm ``pi`` with one of PAYMENT_METHODS: ``succeeded``, ``processing`` or ``declined``."""
        if method == "delayed":
            pm = objects.payment_method(objects.delayed_method_type(pi["currency"]), billing, self.now())
        else:
            card = objects.CARD_DECLINED if method == "card_declined" else objects.CARD_SUCCESS
            pm = objects.payment_method("card", billing, self.now(), card=card)
        self.payment_methods[pm["id"]] = pm
        pi["payment_method"] = pm["id"]

        if method == "card_declined":
            ch = self._new_charge(pi, pm, "failed", receipt_base_url)
            ch["receipt_url"] = None
            self._payment_failed(
                pi,
                ch,
                "card_declined",
                DECLINE_MESSAGE,
                type="card_error",
                advice_code="try_again_later",
                decline_code="generic_decline",
            )
            return "declined"

        ch = self._new_charge(pi, pm, "pending" if method == "delayed" else "succeeded", receipt_base_url)
        pi["last_payment_error"] = None
        if method == "delayed":
            pi["status"] = "processing"
            self._emit("charge.pending", ch, NO_REQUEST)
            self._emit("payment_intent.processing", pi, NO_REQUEST)
            return "processing"
        self._payment_succeeded(pi, ch)
        return "succeeded"

    def _new_charge(self, pi: dict[str, Any], pm: dict[str, Any], status: str, receipt_base_url: str) -> dict[str, Any]:
        ch = objects.charge(pi=pi, pm=pm, created=self.now(), status=status, receipt_base_url=receipt_base_url)
        self.charges[ch["id"]] = ch
        pi["latest_charge"] = ch["id"]
        return ch

    def _payment_succeeded(self, pi: dict[str, Any], ch: dict[str, Any]) -> None:
        """The money arrived: a card at once, a bank debit when it settles."""
        ch.update(status="succeeded", paid=True, captured=True, amount_captured=ch["amount"])
        pi.update(status="succeeded", amount_received=pi["amount"])
        self._emit("charge.succeeded", ch, NO_REQUEST)
        self._emit("payment_intent.succeeded", pi, NO_REQUEST)

    def _payment_failed(self, pi: dict[str, Any], ch: dict[str, Any], code: str, message: str, **error: str) -> None:
        """The charge failed (a declined card, a bank debit bouncing): the PaymentIntent wants a new method."""
        ch.update(status="failed", failure_code=code, failure_message=message)
        last_error = {
            "charge": ch["id"],
            "code": code,
            "doc_url": doc_url(code),
            "message": message,
            "payment_method": copy.deepcopy(self.payment_methods[ch["payment_method"]]),
            **error,
        }
        # Alphabetical, as in Stripe's bodies (webhook bodies are not reordered on the way out).
        pi.update(
            status="requires_payment_method", payment_method=None, last_payment_error=dict(sorted(last_error.items()))
        )
        self._emit("charge.failed", ch, NO_REQUEST)
        self._emit("payment_intent.payment_failed", pi, NO_REQUEST)

    def _cancel_abandoned(self, pi_id: str, req: RequestInfo) -> None:
        """A PaymentIntent left over from declined attempts is canceled with its session."""
        pi = self.payment_intents[pi_id]
        if pi["status"] == "requires_payment_method":
            pi.update(status="canceled", canceled_at=self.now(), cancellation_reason="abandoned")
            self._emit("payment_intent.canceled", pi, req)

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
                self._payment_succeeded(pi, ch)
                session["payment_status"] = "paid"
                self._emit("checkout.session.async_payment_succeeded", session, NO_REQUEST)
            else:
                ch["outcome"] = {
                    **objects.OUTCOME_DECLINED,
                    "advice_code": None,
                    "reason": None,
                    "seller_message": INSUFFICIENT_FUNDS_MESSAGE,
                }
                self._payment_failed(
                    pi, ch, "insufficient_funds", INSUFFICIENT_FUNDS_MESSAGE, type="invalid_request_error"
                )
                self._emit("checkout.session.async_payment_failed", session, NO_REQUEST)
            return pi
