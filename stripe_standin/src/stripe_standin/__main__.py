"""Command line entry point: ``python -m stripe_standin``.

Every option can also come from the environment (``STANDIN_PORT``,
``STANDIN_API_KEY``, ``STANDIN_WEBHOOK_URL``, ``STANDIN_WEBHOOK_SECRET``,
``STANDIN_RETRY_DELAYS``, ``STANDIN_PUBLIC_URL``); command line flags win.
The server always binds to 127.0.0.1: it has no real security and must not be
reachable from other machines.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from werkzeug.serving import make_server

from .app import create_standin
from .config import StandinConfig

HOST = "127.0.0.1"


def parse_delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated seconds, got {text!r}") from None
    if any(d < 0 for d in delays):
        raise argparse.ArgumentTypeError("retry delays must not be negative")
    return delays


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m stripe_standin", description="Offline Stripe stand-in.")
    parser.add_argument(
        "--port",
        type=int,
        default=int(env("STANDIN_PORT", "12111")),
        help="TCP port on 127.0.0.1 (env STANDIN_PORT, default 12111)",
    )
    parser.add_argument(
        "--api-key",
        default=env("STANDIN_API_KEY", "sk_test_standin"),
        help="secret key accepted as Bearer token (env STANDIN_API_KEY)",
    )
    parser.add_argument(
        "--webhook-url",
        default=env("STANDIN_WEBHOOK_URL") or None,
        help="where events are POSTed (env STANDIN_WEBHOOK_URL; none = record only)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=env("STANDIN_WEBHOOK_SECRET", "whsec_standin"),
        help="signing secret for Stripe-Signature (env STANDIN_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--retry-delays",
        type=parse_delays,
        default=env("STANDIN_RETRY_DELAYS", "0.5,1,2,4"),
        help="seconds before each webhook retry, comma-separated (env STANDIN_RETRY_DELAYS)",
    )
    parser.add_argument(
        "--public-url",
        default=env("STANDIN_PUBLIC_URL") or None,
        help="base URL for session.url if it differs from how the API is reached",
    )
    parser.add_argument(
        "--sweep-interval", type=float, default=1.0, help="seconds between checks for sessions past expires_at"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = StandinConfig(
        api_key=args.api_key,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        retry_delays=args.retry_delays,
        public_url=args.public_url,
        sweep_interval=args.sweep_interval,
    )
    standin = create_standin(config)
    server = make_server(HOST, args.port, standin.app, threaded=True)
    base_url = f"http://{HOST}:{server.port}"

    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    standin.start_background()
    print(f"Stripe stand-in listening on {base_url}  (API version {config.api_version})", flush=True)
    print(f"  API base:   {base_url}  (StripeClient base_addresses={{'api': '{base_url}'}})", flush=True)
    print(f"  Dashboard:  {base_url}/_standin/", flush=True)
    print(f"  Webhooks:   {config.webhook_url or '(none configured)'}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        standin.stop_background()
    return 0


if __name__ == "__main__":
    sys.exit(main())
