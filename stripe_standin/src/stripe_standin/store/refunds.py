"""Refunds: created through the API or the dashboard button, failed by a test control."""

from __future__ import annotations

from typing import Any

from .. import objects
from ..errors import ApiError, ValidationError
from ..reference import format_money
from .events import EventsMixin
from .state import NO_REQUEST, RequestInfo, newest_first


class RefundsMixin(EventsMixin):
    def get_refund(self, refund_id: str) -> dict[str, Any]:
        return self._get(self.refunds, "refund", refund_id, "id")

    def list_refunds(self, *, charge: str | None = None, payment_intent: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in newest_first(self.refunds)
            if (charge is None or r["charge"] == charge)
            and (payment_intent is None or r["payment_intent"] == payment_intent)
        ]

    def create_refund(self, params: dict[str, Any], req: RequestInfo) -> dict[str, Any]:
        """POST /v1/refunds (also used by the dashboard's refund button)."""
        with self.lock:
            ch = self._refundable_charge(params.get("payment_intent"), params.get("charge"))
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

    def _refundable_charge(self, pi_id: str | None, charge_id: str | None) -> dict[str, Any]:
        """The succeeded charge that ``payment_intent`` and/or ``charge`` name."""
        if pi_id is None:
            if charge_id is None:
                raise ValidationError(
                    "One of the following params should be provided for this request: payment_intent or charge."
                )
            ch = self._get(self.charges, "charge", charge_id, "charge", status=400)
            if ch["status"] != "succeeded":
                raise ApiError(f"This charge ({charge_id}) has not succeeded and cannot be refunded.", param="charge")
            return ch
        pi = self._get(self.payment_intents, "payment_intent", pi_id, "payment_intent", status=400)
        if pi["status"] != "succeeded":
            raise ApiError(
                f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        ch = self.charges[pi["latest_charge"]]
        if charge_id is not None and charge_id != ch["id"]:
            raise ApiError(f"The charge {charge_id} does not belong to the PaymentIntent {pi_id}.", param="charge")
        return ch

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
