"""Runtime configuration of a stand-in instance."""

from __future__ import annotations

from dataclasses import dataclass

from .reference import API_VERSION


@dataclass
class StandinConfig:
    #: The only secret key accepted in ``Authorization: Bearer ...``.
    api_key: str = "sk_test_standin"
    #: Where events are POSTed; ``None`` records events without delivering them.
    webhook_url: str | None = None
    #: Endpoint signing secret, used as the HMAC key exactly as given.
    webhook_secret: str = "whsec_standin"
    #: Pause before each retry of a failed delivery (Stripe: hours; here: seconds).
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    #: Per-attempt timeout of a webhook POST.
    webhook_timeout: float = 10.0
    #: ``api_version`` stamped on events; the shapes always follow API_VERSION.
    api_version: str = API_VERSION
    #: Base for ``session.url``; ``None`` uses the URL the API request came in on.
    public_url: str | None = None
    #: How often the background sweeper expires sessions past ``expires_at``.
    sweep_interval: float = 1.0
    #: Business name shown on the hosted page (``branding_settings.display_name``).
    display_name: str = "Stand-in Shop"
