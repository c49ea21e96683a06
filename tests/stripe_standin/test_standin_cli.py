"""``python -m stripe_standin`` as a separate process, configured from the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import requests
import stripe

from stripe_standin.__main__ import build_parser
from tests.stripe_standin.support import REPO_ROOT, WebhookReceiver, session_params


def test_options_come_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("STANDIN_PORT", "23456")
    monkeypatch.setenv("STANDIN_API_KEY", "sk_test_env")
    monkeypatch.setenv("STANDIN_WEBHOOK_URL", "http://127.0.0.1:5000/webhooks/stripe")
    monkeypatch.setenv("STANDIN_WEBHOOK_SECRET", "whsec_env")
    monkeypatch.setenv("STANDIN_RETRY_DELAYS", "0.1,0.2")
    args = build_parser().parse_args([])
    assert (args.port, args.api_key, args.webhook_secret) == (23456, "sk_test_env", "whsec_env")
    assert args.webhook_url == "http://127.0.0.1:5000/webhooks/stripe"
    assert args.retry_delays == (0.1, 0.2)
    # Flags win over the environment.
    assert build_parser().parse_args(["--port", "1", "--retry-delays", "3"]).port == 1
    assert build_parser().parse_args(["--retry-delays", "3"]).retry_delays == (3.0,)


def test_runs_as_a_process(free_port: int, receiver: WebhookReceiver) -> None:
    # The installed package (pip install -e ./stripe_standin), started from the repo root as scripts/run does.
    env = {**os.environ, "STANDIN_WEBHOOK_URL": receiver.url, "STANDIN_WEBHOOK_SECRET": "whsec_cli"}
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_standin", "--port", str(free_port), "--api-key", "sk_test_cli"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{free_port}"
    http_session = requests.Session()
    try:
        banner = process.stdout.readline() if process.stdout else ""
        assert f"listening on {base_url}" in banner
        client = stripe.StripeClient(
            "sk_test_cli",
            base_addresses={"api": base_url},
            max_network_retries=0,
            http_client=stripe.RequestsClient(session=http_session),
        )
        session = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "cli-1"})
        assert session.url == f"{base_url}/pay/{session.id}"
        paid = http_session.post(f"{base_url}/_standin/pay/{session.id}", allow_redirects=False, timeout=5)
        assert paid.status_code == 303

        received = receiver.wait_for(lambda items: any(r.event["type"] == "checkout.session.completed" for r in items))
        completed = next(r for r in received if r.event["type"] == "checkout.session.completed")
        event = stripe.Webhook.construct_event(completed.body, completed.headers["Stripe-Signature"], "whsec_cli")
        assert event.data.object.id == session.id
    finally:
        http_session.close()
        process.terminate()
        try:
            process.wait(5)
        finally:
            if process.stdout:
                process.stdout.close()
    assert process.returncode == 0
