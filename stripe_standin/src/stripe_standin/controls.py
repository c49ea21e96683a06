"""Test controls under ``/_standin/`` -- not part of Stripe's API.

They let tests (and people) do what only Stripe, the bank or the passage of
time could do: pay without a browser, settle a delayed payment, expire a
session now, fail a refund, redeliver an event, refund from "the dashboard".

Every endpoint answers JSON (errors in Stripe's error shape).  The HTML
dashboard at ``/_standin/`` posts to the same endpoints with ``_return=dashboard``
and is redirected back to the dashboard instead.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from . import objects
from .api import error_response, render_json
from .context import current_standin, current_store
from .errors import ApiError, ValidationError
from .hosted import read_checkout_form
from .objects import new_request_id
from .reference import format_money
from .store import CheckoutError, RequestInfo, Store, newest_first
from .store.disputes import DISPUTE_MOVES

bp = Blueprint("controls", __name__, url_prefix="/_standin")


@bp.errorhandler(ApiError)
def _handle_error(error: ApiError) -> Response:
    if request.form.get("_return") == "dashboard":
        return redirect(url_for("controls.dashboard", msg=error.message), code=303)
    return error_response(error)


def _done(payload: dict[str, Any], message: str, status: int = 200) -> Response:
    if request.form.get("_return") == "dashboard":
        return redirect(url_for("controls.dashboard", msg=message), code=303)
    return render_json(payload, status)


# --------------------------------------------------------------------------
# Read-only views
# --------------------------------------------------------------------------


def _event_summary(store: Store, event: dict[str, Any]) -> dict[str, Any]:
    dispatcher = store.dispatcher
    return {
        "id": event["id"],
        "type": event["type"],
        "created": event["created"],
        "object_id": event["data"]["object"].get("id"),
        "delivery_status": dispatcher.delivery_status(event["id"]),
        "deliveries": dispatcher.deliveries(event["id"]),
        "event": store.event_view(event),
    }


def _payments(store: Store) -> list[dict[str, Any]]:
    # Deep copies: the JSON/HTML is rendered after the lock is released.
    with store.lock:
        result = []
        for pi in newest_first(store.payment_intents):
            charge = store.charges.get(pi["latest_charge"]) if pi["latest_charge"] else None
            session_id = next((s["id"] for s in store.sessions.values() if s["payment_intent"] == pi["id"]), None)
            result.append(
                {
                    "payment_intent": pi,
                    "charge": charge,
                    "checkout_session": session_id,
                    "refunds": store.list_refunds(payment_intent=pi["id"]),
                }
            )
        return copy.deepcopy(result)


def _events(store: Store) -> list[dict[str, Any]]:
    wanted = request.args.getlist("type")
    with store.lock:
        return copy.deepcopy(
            [_event_summary(store, e) for e in newest_first(store.events) if not wanted or e["type"] in wanted]
        )


@bp.get("/sessions")
def sessions() -> Response:
    return render_json({"data": current_store().snapshot("sessions")})


@bp.get("/payments")
def payments() -> Response:
    return render_json({"data": _payments(current_store())})


@bp.get("/refunds")
def refunds() -> Response:
    return render_json({"data": current_store().snapshot("refunds")})


@bp.get("/disputes")
def disputes() -> Response:
    return render_json({"data": current_store().snapshot("disputes")})


@bp.get("/events")
def events() -> Response:
    return render_json({"data": _events(current_store())})


@bp.get("/state")
def state() -> Response:
    store = current_store()
    return render_json(
        {
            "webhook_url": store.dispatcher.url,
            "clock_offset": store.clock_offset,
            "sessions": store.snapshot("sessions"),
            "payments": _payments(store),
            "refunds": store.snapshot("refunds"),
            "disputes": store.snapshot("disputes"),
            "events": _events(store),
        }
    )


@bp.get("/")
def dashboard() -> Response:
    store = current_store()
    with store.lock:
        session_rows = store.snapshot("sessions")
        payment_rows = _payments(store)
        dispute_rows = store.snapshot("disputes")
        event_rows = _events(store)
    return Response(
        render_template(
            "dashboard.html",
            sessions=session_rows,
            payments=payment_rows,
            disputes=dispute_rows,
            dispute_reasons=objects.DISPUTE_REASONS,
            dispute_moves={status: sorted(moves) for status, moves in DISPUTE_MOVES.items()},
            events=event_rows,
            webhook_url=store.dispatcher.url,
            message=request.args.get("msg"),
            money=format_money,
        )
    )


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------


@bp.post("/pay/<session_id>")
def pay(session_id: str) -> Response:
    """Pay like the hosted form would: 303 to success_url, 402 when declined.

    Form fields: ``method`` (card_success | card_declined | delayed) plus the
    optional hosted-form fields (email, name, line1, line2, city, state,
    postal_code, country, shipping_rate); missing ones take the demo values.
    """
    store = current_store()
    try:
        form, errors, _ = read_checkout_form(store, session_id, request.form, fill_defaults=True)
        if form is None:
            field, message = next(iter(errors.items()))
            raise ValidationError(message, param=field)
        result = store.pay(session_id, form)
    except CheckoutError as error:
        raise ApiError(error.message, status=error.status) from None
    body = {
        "outcome": result.outcome,
        "checkout_session": result.session["id"],
        "status": result.session["status"],
        "payment_status": result.session["payment_status"],
        "payment_intent": result.session["payment_intent"],
        "redirect_url": result.redirect_url,
    }
    if result.outcome == "declined":
        body["error"] = {
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": result.message,
            "type": "card_error",
        }
        return render_json(body, 402)
    if result.redirect_url:
        return render_json(body, 303, {"Location": result.redirect_url})
    return render_json(body, 200)


@bp.post("/payment_intents/<pi_id>/settle")
def settle(pi_id: str) -> Response:
    outcome = request.form.get("outcome", "")
    if outcome not in ("succeeded", "failed"):
        raise ValidationError("Invalid outcome: must be one of succeeded or failed", param="outcome")
    pi = current_store().settle(pi_id, outcome)
    return _done(pi, f"Payment {pi_id} settled: {outcome}.")


@bp.post("/payment_intents/<pi_id>/refund")
def dashboard_refund(pi_id: str) -> Response:
    """Refund as the Stripe dashboard would: same object and events as POST /v1/refunds."""
    params: dict[str, Any] = {"payment_intent": pi_id, "reason": "requested_by_customer"}
    amount = request.form.get("amount", "").strip()
    if amount:
        if not amount.isdigit() or int(amount) < 1:
            raise ValidationError(f"Invalid integer: {amount}", param="amount", code="parameter_invalid_integer")
        params["amount"] = int(amount)
    if request.form.get("reason"):
        params["reason"] = request.form["reason"]
    refund = current_store().create_refund(params, RequestInfo(request_id=new_request_id()))
    return _done(refund, f"Refund {refund['id']} created.")


@bp.post("/payment_intents/<pi_id>/dispute")
def open_dispute(pi_id: str) -> Response:
    """The card holder's bank disputes the payment: ``reason`` (default ``fraudulent``),
    ``amount`` in minor units (default: all that was not refunded), ``inquiry=true`` for an
    inquiry (``warning_needs_response``) instead of a chargeback."""
    amount = request.form.get("amount", "").strip()
    if amount and not amount.isdigit():
        raise ValidationError(f"Invalid integer: {amount}", param="amount", code="parameter_invalid_integer")
    inquiry = request.form.get("inquiry", "false")
    if inquiry not in ("true", "false"):
        raise ValidationError(f"Invalid boolean: {inquiry}", param="inquiry")
    dispute = current_store().open_dispute(
        pi_id,
        reason=request.form.get("reason") or "fraudulent",
        amount=int(amount) if amount else None,
        inquiry=inquiry == "true",
    )
    return _done(dispute, f"Dispute {dispute['id']} opened ({dispute['status']}).")


@bp.post("/disputes/<dispute_id>/decide")
def decide_dispute(dispute_id: str) -> Response:
    """The bank moves the dispute on: ``status`` is one of DISPUTE_MOVES for its status now."""
    status = request.form.get("status", "")
    dispute = current_store().decide_dispute(dispute_id, status)
    return _done(dispute, f"Dispute {dispute_id} is now {status}.")


@bp.post("/checkout/sessions/<session_id>/expire_now")
def expire_now(session_id: str) -> Response:
    session = current_store().expire_now(session_id)
    return _done(session, f"Session {session_id} expired.")


@bp.post("/refunds/<refund_id>/fail")
def fail_refund(refund_id: str) -> Response:
    refund = current_store().fail_refund(refund_id, request.form.get("failure_reason") or "expired_or_canceled_card")
    return _done(refund, f"Refund {refund_id} failed.")


@bp.post("/events/<event_id>/resend")
def resend(event_id: str) -> Response:
    delivery = current_store().resend_event(event_id)
    if delivery is None:
        raise ApiError("No webhook URL is configured, so there is nowhere to resend the event.", status=409)
    return _done(delivery, f"Event {event_id} queued for redelivery.")


@bp.post("/clock/advance")
def advance_clock() -> Response:
    """Move the stand-in's clock forward (``seconds``); sessions past expires_at expire now."""
    seconds = request.form.get("seconds", "")
    if not seconds.isdigit():
        raise ValidationError(f"Invalid integer: {seconds}", param="seconds", code="parameter_invalid_integer")
    store = current_store()
    store.advance_clock(int(seconds))
    return _done({"clock_offset": store.clock_offset, "now": store.now()}, f"Clock advanced by {seconds}s.")


@bp.post("/webhook")
def set_webhook() -> Response:
    """Set (``url=...``) or clear (``url=``) the webhook endpoint for future events."""
    url = request.form.get("url", "").strip() or None
    current_store().dispatcher.set_url(url)
    return _done({"webhook_url": url}, f"Webhook URL set to {url or '(none)'}.")


@bp.post("/reset")
def reset() -> Response:
    current_store().reset()
    current_standin().idempotency.clear()
    return _done({"reset": True}, "All state cleared.")
