"""The shop as gunicorn starts it: what it refuses to start with."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def start_gunicorn(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "FLASK_", "PYTEST"))}
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite'}", "WEB_CONCURRENCY": "1"}, **env)
    return subprocess.run([GUNICORN, "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_gunicorn_with_flask_debug_and_no_secret_key_refuses_to_start(tmp_path):
    # Found by probing: started this way the shop used the fixed public development key,
    # and a session cookie forged with it opened /admin.
    result = start_gunicorn(tmp_path, FLASK_DEBUG="1")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
