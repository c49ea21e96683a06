"""Disputes: opened by a test control (as a card holder's bank would), answered through
the API (evidence, submit, close), and decided by a test control (as the bank would).

Stripe's life of a card dispute, as the stand-in plays it:

* an **inquiry** opens as ``warning_needs_response``; evidence moves it to
  ``warning_under_review``; it ends ``warning_closed`` or becomes a chargeback
  (``needs_response``);
* a **chargeback** opens as ``needs_response``; submitted evidence moves it to
  ``under_review``; it ends ``won`` or ``lost`` (closing it through the API accepts the loss).

Every change sends ``charge.dispute.updated`` (with ``previous_attributes``), and the
end sends ``charge.dispute.closed`` instead. The stand-in keeps no balance, so the
``charge.dispute.funds_*`` events are not sent (see README).
"""

from __future__ import annotations

from typing import Any

from .. import objects
from ..errors import ApiError, ValidationError
from ..reference import format_money
from .events import EventsMixin
from .state import NO_REQUEST, RequestInfo, newest_first

#: How long the business has to answer, from the dispute's creation (Stripe: usually 7 to 21 days).
EVIDENCE_WINDOW = 7 * 24 * 60 * 60

CLOSED = frozenset({"won", "lost", "warning_closed", "prevented"})
#: Where a test control may move a dispute from each status (what a bank may decide).
DISPUTE_MOVES: dict[str, frozenset[str]] = {
    "warning_needs_response": frozenset({"warning_under_review", "warning_closed", "needs_response"}),
    "warning_under_review": frozenset({"warning_closed", "needs_response"}),
    "needs_response": frozenset({"under_review", "won", "lost"}),
    "under_review": frozenset({"won", "lost"}),
}
#: Evidence submitted: what the dispute is waiting for next.
_SUBMITTED = {"warning_needs_response": "warning_under_review", "needs_response": "under_review"}


class DisputesMixin(EventsMixin):
    def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        return self._get(self.disputes, "dispute", dispute_id, "dispute")

    def list_disputes(self, *, charge: str | None = None, payment_intent: str | None = None) -> list[dict[str, Any]]:
        return [
            d
            for d in newest_first(self.disputes)
            if (charge is None or d["charge"] == charge)
            and (payment_intent is None or d["payment_intent"] == payment_intent)
        ]

    def open_dispute(
        self, pi_id: str, *, reason: str, amount: int | None = None, inquiry: bool = False
    ) -> dict[str, Any]:
        """Test control: the card holder's bank disputes the payment (charge.dispute.created)."""
        with self.lock:
            pi = self._get(self.payment_intents, "payment_intent", pi_id, "payment_intent")
            ch = self.charges.get(pi["latest_charge"] or "")
            if pi["status"] != "succeeded" or ch is None:
                raise ApiError(f"PaymentIntent {pi_id} has no succeeded charge to dispute.", status=409)
            if ch["payment_method_details"]["type"] != "card":
                raise ApiError("The Stripe stand-in only opens disputes on card payments.", status=409)
            if any(d["charge"] == ch["id"] for d in self.disputes.values()):
                raise ApiError(f"Charge {ch['id']} is already disputed.", status=409)
            if reason not in objects.DISPUTE_REASONS:
                raise ValidationError(
                    f"Invalid reason: must be one of {', '.join(objects.DISPUTE_REASONS)}", param="reason"
                )
            amount = ch["amount"] - ch["amount_refunded"] if amount is None else amount
            if not 0 < amount <= ch["amount"] - ch["amount_refunded"]:
                raise ValidationError(
                    f"A dispute may be for at most what was not refunded "
                    f"({format_money(ch['amount'] - ch['amount_refunded'], ch['currency'])}).",
                    param="amount",
                )
            now = self.now()
            dispute = objects.dispute(
                ch=ch, amount=amount, reason=reason, created=now, due_by=now + EVIDENCE_WINDOW, inquiry=inquiry
            )
            self.disputes[dispute["id"]] = dispute
            ch["disputed"] = True
            self._emit("charge.dispute.created", dispute, NO_REQUEST)
            return dispute

    def decide_dispute(self, dispute_id: str, status: str) -> dict[str, Any]:
        """Test control: the bank moves the dispute on (under review, won, lost, ...)."""
        with self.lock:
            dispute = self.get_dispute(dispute_id)
            allowed = DISPUTE_MOVES.get(dispute["status"], frozenset())
            if status not in allowed:
                raise ApiError(
                    f"Dispute {dispute_id} is `{dispute['status']}` and cannot become `{status}`"
                    + (f" (it can become: {', '.join(sorted(allowed))})." if allowed else "; it is closed."),
                    status=409,
                )
            self._move(dispute, status, NO_REQUEST)
            return dispute

    def update_dispute(self, dispute_id: str, params: dict[str, Any], req: RequestInfo) -> dict[str, Any]:
        """POST /v1/disputes/{id}: stage evidence, set metadata, and with ``submit`` send it."""
        with self.lock:
            dispute = self.get_dispute(dispute_id)
            if dispute["status"] in CLOSED or dispute["status"].endswith("under_review"):
                raise ApiError(
                    f"This dispute is {dispute['status']}, so its evidence can no longer be changed.",
                    param="evidence" if "evidence" in params else None,
                )
            previous: dict[str, Any] = {}
            evidence = params.get("evidence") or {}
            if evidence:
                previous["evidence"] = {key: dispute["evidence"][key] for key in evidence}
                dispute["evidence"].update(evidence)
                if not dispute["evidence_details"]["has_evidence"]:
                    previous["evidence_details"] = {"has_evidence": False}
                    dispute["evidence_details"]["has_evidence"] = True
            if "metadata" in params:
                previous["metadata"] = dict(dispute["metadata"])
                dispute["metadata"] = {**dispute["metadata"], **params["metadata"]}
                dispute["metadata"] = {k: v for k, v in dispute["metadata"].items() if v != ""}
            if params.get("submit", True):
                # Stripe submits staged evidence at once unless ``submit=false``.
                details = dispute["evidence_details"]
                previous.setdefault("evidence_details", {})
                previous["evidence_details"].update(
                    {"submission_count": details["submission_count"], "submission_method": details["submission_method"]}
                )
                previous["status"] = dispute["status"]
                details["submission_count"] += 1
                details["submission_method"] = "manual"
                dispute["status"] = _SUBMITTED[dispute["status"]]
            if previous:
                self._emit("charge.dispute.updated", dispute, req, previous_attributes=previous)
            return dispute

    def close_dispute(self, dispute_id: str, req: RequestInfo) -> dict[str, Any]:
        """POST /v1/disputes/{id}/close: accept the dispute (a chargeback is lost)."""
        with self.lock:
            dispute = self.get_dispute(dispute_id)
            if dispute["status"] in CLOSED:
                raise ApiError(f"This dispute is already closed ({dispute['status']}).")
            self._move(dispute, "warning_closed" if dispute["status"].startswith("warning") else "lost", req)
            return dispute

    def _move(self, dispute: dict[str, Any], status: str, req: RequestInfo) -> None:
        previous = {"status": dispute["status"]}
        dispute["status"] = status
        if status in CLOSED:
            # Once decided nothing can be refunded against it any more.
            if dispute["is_charge_refundable"]:
                previous["is_charge_refundable"] = True
                dispute["is_charge_refundable"] = False
            self._emit("charge.dispute.closed", dispute, req, previous_attributes=previous)
        else:
            if status == "needs_response" and previous["status"].startswith("warning"):
                # The inquiry became a chargeback: the money is taken, and a new answer is due.
                card = dispute["payment_method_details"]["card"]
                previous.update(
                    is_charge_refundable=dispute["is_charge_refundable"],
                    evidence_details={"due_by": dispute["evidence_details"]["due_by"]},
                    payment_method_details={"card": {"case_type": card["case_type"]}},
                )
                card["case_type"] = "chargeback"
                dispute["is_charge_refundable"] = False
                dispute["evidence_details"]["due_by"] = self.now() + EVIDENCE_WINDOW
            self._emit("charge.dispute.updated", dispute, req, previous_attributes=previous)
