"""Real servers on loopback ports, each in a thread: the shop itself (so the Stripe
stand-in can deliver webhooks to it), an SMTP server, and a Stripe that always fails."""
from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller
from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """An address where nothing listens: a Stripe that cannot be reached."""
    return f"http://127.0.0.1:{free_port()}"  # the port is released: nothing listens there now


class LiveServer:
    """A WSGI app on a real loopback port, in a thread."""

    def __init__(self, wsgi_app) -> None:
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # A short poll interval: shutdown() at teardown returns at once instead of after 0.5 s.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class AlwaysFailingStripe(LiveServer):
    """Answers every request 500 with Stripe's error JSON, and counts them."""

    def __init__(self) -> None:
        self.hits = 0
        super().__init__(self._answer)

    def _answer(self, environ, start_response):
        self.hits += 1
        body = json.dumps({"error": {"type": "api_error", "message": "An unknown error occurred"}}).encode()
        start_response("500 Internal Server Error", [("Content-Type", "application/json"),
                                                     ("Content-Length", str(len(body)))])
        return [body]


class Mailbox:
    """What a real SMTP server (aiosmtpd) on loopback received. `wait_for(n)` returns as
    soon as the n-th message arrives (the SMTP handler signals it), or at the timeout."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self._arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=max(0.0, deadline - time.monotonic()))
        return self.messages


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.controller.port}"

    def stop(self) -> None:
        self.controller.stop()


class SlowStripe(LiveServer):
    """Answers nothing for `delay` seconds (past the shop's Stripe timeout), and counts."""

    def __init__(self, delay: float = 3.0) -> None:
        self.hits = 0
        self.delay = delay
        super().__init__(self._answer)

    def _answer(self, environ, start_response):
        self.hits += 1
        time.sleep(self.delay)
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [b"{}"]
