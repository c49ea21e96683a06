"""Backups: deploy/backup.sh dumps the database, deploy/restore.sh restores it into a new
one, and the shop started on the copy shows the same orders."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order
from tests.conftest import fresh_postgres
from tests.factories import make_order
from tests.support.html import page_text
from tests.support.shopper import log_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["postgresql"])
def db_backend(request):
    return request.param


@pytest.fixture
def empty_database():
    with fresh_postgres("shop_restored") as url:
        yield url


def _run(script: str, *args: str, **env: str) -> str:
    result = subprocess.run([str(ROOT / "deploy" / script), *args], env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_backup_restores_into_a_new_database_and_the_shop_shows_the_same_orders(
        app, database_url, empty_database, another_app, staff, tmp_path):
    numbers = sorted(make_order().number for _ in range(3))
    staff_email = staff.email  # read now: inside the other app's context it would load from that database
    db.session.commit()

    out = _run("backup.sh", DATABASE_URL=database_url, BACKUP_DIR=str(tmp_path))
    [dump] = list(tmp_path.glob("shop-*.dump"))
    assert str(dump) in out and oct(dump.stat().st_mode)[-3:] == "600"
    _run("restore.sh", str(dump), empty_database)

    restored = another_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with restored.app_context():
        assert sorted(db.session.scalars(sa.select(Order.number))) == numbers
        db.session.remove()
    client = restored.test_client()
    with restored.app_context():
        log_in(client, staff_email)
        text = page_text(client.get("/admin/orders"))
    assert all(number in text for number in numbers)
