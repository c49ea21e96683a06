"""Application factory and the runtime bundle (store, webhooks, sweeper).

``create_standin(config)`` builds everything; ``Standin.start_background()``
starts the two threads a running stand-in needs:

* the webhook dispatcher (delivers and retries events), and
* the sweeper, which expires open sessions once ``expires_at`` has passed and
  sends ``checkout.session.expired`` -- Stripe does this on its own schedule.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask

from . import api, controls, hosted
from .config import StandinConfig
from .context import EXTENSION_KEY
from .store import Store
from .webhooks import WebhookDispatcher


class Sweeper:
    """Background thread calling ``store.expire_due_sessions()`` periodically."""

    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._passes = 0
        self._passed = threading.Condition()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="standin-sweeper", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.store.expire_due_sessions()
            with self._passed:
                self._passes += 1
                self._passed.notify_all()

    def wait_for_pass(self, timeout: float) -> bool:
        """Block until the sweeper has made one whole pass that began after this call."""
        with self._passed:
            # The pass under way may have looked before the caller changed anything: wait for two.
            target = self._passes + 2
            return self._passed.wait_for(lambda: self._passes >= target, timeout)


@dataclass
class Standin:
    """Everything one stand-in instance consists of."""

    config: StandinConfig
    app: Flask
    store: Store
    dispatcher: WebhookDispatcher
    sweeper: Sweeper
    idempotency: api.IdempotencyCache = field(default_factory=api.IdempotencyCache)

    def start_background(self) -> None:
        self.dispatcher.start()
        self.sweeper.start()

    def stop_background(self) -> None:
        self.sweeper.stop()
        self.dispatcher.stop()


def create_standin(config: StandinConfig | None = None) -> Standin:
    config = config or StandinConfig()
    dispatcher = WebhookDispatcher(
        config.webhook_secret,
        url=config.webhook_url,
        retry_delays=config.retry_delays,
        timeout=config.webhook_timeout,
    )
    store = Store(config, dispatcher)
    app = Flask(__name__)
    app.register_blueprint(api.bp)
    app.register_blueprint(hosted.bp)
    app.register_blueprint(controls.bp)
    standin = Standin(
        config=config, app=app, store=store, dispatcher=dispatcher, sweeper=Sweeper(store, config.sweep_interval)
    )
    app.extensions[EXTENSION_KEY] = standin

    @app.context_processor
    def _branding() -> dict[str, str]:
        # Every page names the business, as Checkout shows ``branding_settings.display_name``.
        return {"display_name": config.display_name}

    return standin


def create_app(config: StandinConfig | None = None) -> Flask:
    """WSGI app with background threads running (for ``flask --app`` style use)."""
    standin = create_standin(config)
    standin.start_background()
    return standin.app
