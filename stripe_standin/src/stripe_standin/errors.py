"""Stripe-shaped API errors.

Every error the stand-in returns on ``/v1`` goes through :class:`ApiError`, so
the JSON body always has Stripe's shape::

    {"error": {"type": ..., "code": ..., "param": ..., "message": ...,
               "doc_url": ..., "request_log_url": ...}}

stripe-python picks the exception class from the HTTP status and ``type``
(400/404 -> InvalidRequestError, 401 -> AuthenticationError, 402 -> CardError,
``idempotency_error`` -> IdempotencyError), so status and type must match what
Stripe sends for the same situation.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error rendered as a Stripe error object.

    ``saves_idempotently`` mirrors Stripe's rule that a result is only stored
    under an ``Idempotency-Key`` once the endpoint *started executing*: requests
    that fail parameter validation are not stored, so a corrected retry with
    the same key is allowed.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saves_idempotently: bool = True,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.saves_idempotently = saves_idempotently
        self.extra = extra or {}
        self.headers = headers or {}

    def to_dict(self, request_id: str | None = None) -> dict[str, Any]:
        # Key order follows Stripe's responses (alphabetical); optional keys are
        # omitted instead of null, as Stripe does.
        body: dict[str, Any] = {}
        if self.code:
            body["code"] = self.code
            body["doc_url"] = doc_url(self.code)
        body.update(self.extra)
        body["message"] = self.message
        if self.param:
            body["param"] = self.param
        if request_id and self.status != 401:
            body["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}?t=0"
        body["type"] = self.type
        return {"error": dict(sorted(body.items()))}


def doc_url(code: str) -> str:
    """Stripe's page for an error code (also in a PaymentIntent's ``last_payment_error``)."""
    return "https://stripe.com/docs/error-codes/" + code.replace("_", "-")


class ValidationError(ApiError):
    """A parameter validation failure (never stored under an idempotency key)."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message, param=param, code=code, saves_idempotently=False)


def missing_param(param: str) -> ValidationError:
    return ValidationError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def unknown_param(param: str, *, real_stripe_param: bool = False) -> ValidationError:
    message = f"Received unknown parameter: {param}"
    if real_stripe_param:
        # Stripe itself knows this parameter; say so, so that a shop developer
        # does not think the shop is wrong when only the stand-in is limited.
        message += " (Stripe accepts this parameter, but the Stripe stand-in does not implement it)"
    return ValidationError(message, param=param, code="parameter_unknown")


def resource_missing(object_name: str, object_id: str, param: str, *, status: int = 404) -> ApiError:
    """``No such <object>`` -- 404 for an id in the URL path, 400 for an id in a parameter."""
    return ApiError(
        f"No such {object_name}: '{object_id}'",
        status=status,
        code="resource_missing",
        param=param,
    )
