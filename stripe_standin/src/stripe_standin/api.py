"""The ``/v1`` REST API: authentication, idempotency, routing, JSON rendering.

Request/response conventions copied from api.stripe.com:

* ``Authorization: Bearer sk_...`` (HTTP Basic with the key as user also works);
  failures are 401 with an ``invalid_request_error``.
* Form-encoded parameters for every method; GET parameters in the query string.
* Pretty-printed JSON with ``id``/``object`` first, ``Request-Id`` and
  ``Stripe-Version`` headers on every response.
* ``Idempotency-Key`` on POST: same key + same parameters replays the stored
  response with ``Idempotent-Replayed: true``; same key + other parameters (or
  another endpoint) is a 400 ``idempotency_error``.  Results of requests that
  failed parameter validation are not stored, as on Stripe.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, request

from . import params as p
from .context import current_standin, current_store
from .errors import ApiError, ValidationError, resource_missing
from .objects import list_object, new_request_id, stripe_ordered
from .store import RequestInfo, Store

bp = Blueprint("stripe_api", __name__, url_prefix="/v1")

IDEMPOTENCY_KEY_TTL = 24 * 60 * 60  # Stripe prunes keys after 24 hours.

_NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
    "for details, or we can help at https://support.stripe.com/."
)


@dataclass
class _StoredResponse:
    endpoint: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any]
    request_id: str
    stored_at: float


class IdempotencyCache:
    """Responses stored per Idempotency-Key (one API key, so one namespace)."""

    def __init__(self) -> None:
        self._entries: dict[str, _StoredResponse] = {}

    def get(self, key: str) -> _StoredResponse | None:
        entry = self._entries.get(key)
        if entry is not None and time.time() - entry.stored_at > IDEMPOTENCY_KEY_TTL:
            del self._entries[key]
            return None
        return entry

    def put(self, key: str, entry: _StoredResponse) -> None:
        self._entries[key] = entry

    def clear(self) -> None:
        self._entries.clear()


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def render_json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(stripe_ordered(body), indent=2, ensure_ascii=False) + "\n",
        status=status,
        mimetype="application/json",
    )
    response.headers["Request-Id"] = getattr(g, "request_id", None) or new_request_id()
    response.headers["Stripe-Version"] = current_standin().config.api_version
    response.headers["Cache-Control"] = "no-cache, no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: ApiError) -> Response:
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Basic realm="Stripe"')
    return render_json(error.to_dict(getattr(g, "request_id", None)), error.status, headers)


@bp.errorhandler(ApiError)
def _handle_api_error(error: ApiError) -> Response:
    return error_response(error)


# --------------------------------------------------------------------------
# Authentication and parameters
# --------------------------------------------------------------------------


def _redact(key: str) -> str:
    # Stripe shows the key's prefix and last four characters only.
    parts = key.split("_")
    prefix = "_".join(parts[:2]) + "_" if len(parts) > 2 else ""
    hidden = key[len(prefix) :]
    if len(hidden) <= 4:
        return prefix + "*" * len(hidden)
    return prefix + "*" * (len(hidden) - 4) + hidden[-4:]


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.split(":", 1)[0] or None
    return None


@bp.before_request
def _authenticate() -> None:
    g.request_id = new_request_id()
    key = _presented_key()
    if key is None:
        raise ApiError(_NO_KEY_MESSAGE, status=401)
    if key != current_standin().config.api_key:
        raise ApiError(f"Invalid API Key provided: {_redact(key)}", status=401)


def _raw_params() -> dict[str, Any]:
    query = p.decode_form(request.query_string.decode("utf-8", "replace"))
    if request.method == "GET":
        return query
    body = p.decode_form(request.get_data(as_text=True))
    return {**query, **body}


def _request_info() -> RequestInfo:
    return RequestInfo(
        request_id=g.request_id,
        idempotency_key=request.headers.get("Idempotency-Key"),
        base_url=request.host_url.rstrip("/"),
    )


def idempotent(handler: Callable[..., tuple[dict[str, Any], int]]) -> Callable[..., Response]:
    """Wrap a POST handler returning ``(body, status)`` with Stripe's idempotency rules."""

    @functools.wraps(handler)
    def wrapper(**kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        raw = _raw_params()
        if not key:
            body, status = handler(raw, **kwargs)
            return render_json(body, status)
        endpoint = f"{request.method} {request.path}"
        standin = current_standin()

        def remember(status: int, body: dict[str, Any]) -> None:
            standin.idempotency.put(key, _StoredResponse(endpoint, raw, status, body, g.request_id, time.time()))

        # The store lock serialises requests sharing a key (and everything else).
        with standin.store.lock:
            cached = standin.idempotency.get(key)
            if cached is not None:
                if cached.endpoint != endpoint:
                    raise ApiError(
                        "Keys for idempotent requests can only be used for the same endpoint they were first "
                        f"used for ('{endpoint}' vs '{cached.endpoint}'). Try using a key other than '{key}' "
                        "if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                if cached.params != raw:
                    raise ApiError(
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                return render_json(
                    cached.body,
                    cached.status,
                    {"Idempotent-Replayed": "true", "Idempotency-Key": key, "Original-Request": cached.request_id},
                )
            try:
                body, status = handler(raw, **kwargs)
            except ApiError as error:
                if error.saves_idempotently:
                    remember(error.status, error.to_dict(g.request_id))
                raise
            remember(status, body)
        return render_json(body, status, {"Idempotency-Key": key, "Original-Request": g.request_id})

    return wrapper


def _validated(schema: p.Hash) -> dict[str, Any]:
    return p.validate(schema, _raw_params())


def _paginate(items: list[dict[str, Any]], query: dict[str, Any], url: str, object_name: str) -> dict[str, Any]:
    limit = query.get("limit", 10)
    ids = [item["id"] for item in items]
    if "starting_after" in query:
        cursor = query["starting_after"]
        if cursor not in ids:
            raise resource_missing(object_name, cursor, "starting_after", status=400)
        rest = items[ids.index(cursor) + 1 :]
        return list_object(rest[:limit], url, has_more=len(rest) > limit)
    if "ending_before" in query:
        cursor = query["ending_before"]
        if cursor not in ids:
            raise resource_missing(object_name, cursor, "ending_before", status=400)
        before = items[: ids.index(cursor)]
        return list_object(before[-limit:], url, has_more=len(before) > limit)
    return list_object(items[:limit], url, has_more=len(items) > limit)


def _expand_list(store: Store, listing: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    # On list endpoints expand paths start with ``data.``.
    for path in paths:
        if not path.startswith("data."):
            raise ValidationError(f"This property cannot be expanded ({path}).", param="expand")
    listing["data"] = [store.expand(item, [path[5:] for path in paths]) for item in listing["data"]]
    return listing


def _list(
    query: dict[str, Any], url: str, object_name: str, items: Callable[[Store], list[dict[str, Any]]]
) -> Response:
    """A GET list endpoint: ``items(store)`` (newest first), paginated and expanded."""
    store = current_store()
    with store.lock:
        listing = _paginate(items(store), query, url, object_name)
        return render_json(_expand_list(store, listing, query.get("expand", [])))


def _retrieve(
    get: Callable[[Store, str], dict[str, Any]], object_id: str, schema: p.Hash = p.EXPAND_ONLY_PARAMS
) -> Response:
    """A GET endpoint for one object: ``get(store, object_id)``, expanded."""
    query = _validated(schema)
    store = current_store()
    with store.lock:
        return render_json(store.expand(get(store, object_id), query.get("expand", [])))


def _act(
    raw: dict[str, Any], schema: p.Hash, action: Callable[[Store, dict[str, Any]], dict[str, Any]]
) -> tuple[dict[str, Any], int]:
    """A POST endpoint (inside :func:`idempotent`): validate, ``action(store, params)``, expand."""
    params = p.validate(schema, raw)
    store = current_store()
    with store.lock:
        return store.expand(action(store, params), params.get("expand", [])), 200


# --------------------------------------------------------------------------
# Checkout Sessions
# --------------------------------------------------------------------------


@bp.post("/checkout/sessions")
@idempotent
def create_checkout_session(raw: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return _act(raw, p.SESSION_CREATE_PARAMS, lambda store, params: store.create_session(params, _request_info()))


@bp.get("/checkout/sessions")
def list_checkout_sessions() -> Response:
    query = _validated(p.SESSION_LIST_PARAMS)
    return _list(
        query,
        "/v1/checkout/sessions",
        "checkout.session",
        lambda store: store.list_sessions(payment_intent=query.get("payment_intent"), status=query.get("status")),
    )


@bp.get("/checkout/sessions/<session_id>")
def retrieve_checkout_session(session_id: str) -> Response:
    return _retrieve(Store.get_session, session_id)


@bp.post("/checkout/sessions/<session_id>")
def update_checkout_session(session_id: str) -> Response:
    current_store().get_session(session_id)
    raise ApiError("The Stripe stand-in does not implement updating Checkout Sessions.")


@bp.get("/checkout/sessions/<session_id>/line_items")
def list_line_items(session_id: str) -> Response:
    query = _validated(p.LINE_ITEM_LIST_PARAMS)
    url = f"/v1/checkout/sessions/{session_id}/line_items"
    return _list(query, url, "item", lambda store: store.session_line_items(session_id))


@bp.post("/checkout/sessions/<session_id>/expire")
@idempotent
def expire_checkout_session(raw: dict[str, Any], session_id: str) -> tuple[dict[str, Any], int]:
    return _act(raw, p.EXPAND_ONLY_PARAMS, lambda store, _: store.expire_session(session_id, _request_info()))


# --------------------------------------------------------------------------
# PaymentIntents, Charges, Refunds, Disputes, Events
# --------------------------------------------------------------------------


@bp.get("/payment_intents/<pi_id>")
def retrieve_payment_intent(pi_id: str) -> Response:
    return _retrieve(Store.get_payment_intent, pi_id, p.PAYMENT_INTENT_RETRIEVE_PARAMS)


@bp.get("/charges/<charge_id>")
def retrieve_charge(charge_id: str) -> Response:
    return _retrieve(Store.get_charge, charge_id)


@bp.post("/refunds")
@idempotent
def create_refund(raw: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return _act(raw, p.REFUND_CREATE_PARAMS, lambda store, params: store.create_refund(params, _request_info()))


@bp.get("/refunds")
def list_refunds() -> Response:
    query = _validated(p.REFUND_LIST_PARAMS)
    return _list(
        query,
        "/v1/refunds",
        "refund",
        lambda store: store.list_refunds(charge=query.get("charge"), payment_intent=query.get("payment_intent")),
    )


@bp.get("/refunds/<refund_id>")
def retrieve_refund(refund_id: str) -> Response:
    return _retrieve(Store.get_refund, refund_id)


@bp.get("/disputes")
def list_disputes() -> Response:
    query = _validated(p.DISPUTE_LIST_PARAMS)
    return _list(
        query,
        "/v1/disputes",
        "dispute",
        lambda store: store.list_disputes(charge=query.get("charge"), payment_intent=query.get("payment_intent")),
    )


@bp.get("/disputes/<dispute_id>")
def retrieve_dispute(dispute_id: str) -> Response:
    return _retrieve(Store.get_dispute, dispute_id)


@bp.post("/disputes/<dispute_id>")
@idempotent
def update_dispute(raw: dict[str, Any], dispute_id: str) -> tuple[dict[str, Any], int]:
    return _act(
        raw, p.DISPUTE_UPDATE_PARAMS, lambda store, params: store.update_dispute(dispute_id, params, _request_info())
    )


@bp.post("/disputes/<dispute_id>/close")
@idempotent
def close_dispute(raw: dict[str, Any], dispute_id: str) -> tuple[dict[str, Any], int]:
    return _act(raw, p.EXPAND_ONLY_PARAMS, lambda store, _: store.close_dispute(dispute_id, _request_info()))


@bp.get("/events")
def list_events() -> Response:
    query = _validated(p.EVENT_LIST_PARAMS)
    if "type" in query and "types" in query:
        raise ValidationError("You may only specify one of these parameters: type, types.", param="types")
    types = query.get("types") or ([query["type"]] if "type" in query else None)
    return _list(query, "/v1/events", "event", lambda store: store.list_events(types))


@bp.get("/events/<event_id>")
def retrieve_event(event_id: str) -> Response:
    return _retrieve(Store.get_event, event_id)


@bp.route("/<path:rest>", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
def unrecognized(rest: str) -> Response:
    raise ApiError(
        f"Unrecognized request URL ({request.method}: {request.path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        status=404,
    )
