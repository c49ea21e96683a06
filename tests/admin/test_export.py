"""The orders CSV: the current filter, the agreed columns, formulas neutralised, streamed."""
from __future__ import annotations

import csv
import io

import pytest

from shop.accounts.models import StaffRole
from shop.orders.models import OrderStatus
from tests.factories import STAFF_EMAIL, make_order, make_staff
from tests.support.shopper import log_in

COLUMNS = ["number", "created_at", "status", "email", "currency", "subtotal_cents", "shipping_cents", "tax_cents",
           "total_cents", "items"]


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="orders-')
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_export_has_the_agreed_columns_and_the_current_filter(staff_client):
    paid = make_order(status=OrderStatus.PAID, email="pat@example.com", shipping_name="Pat Müller")
    make_order(status=OrderStatus.SHIPPED)
    response = staff_client.get("/admin/orders.csv?status=paid")
    assert response.is_streamed
    rows = _rows(response)
    assert set(COLUMNS) <= set(rows[0]) and len(rows) == 1
    row = rows[0]
    assert (row["number"], row["status"], row["email"], row["currency"]) == (paid.number, "paid", "pat@example.com", "usd")
    assert (row["subtotal_cents"], row["shipping_cents"], row["tax_cents"], row["total_cents"]) == ("1500", "500", "0", "2000")
    assert row["items"] == "1 × Grip ball 0 (GRIP-0)" and row["shipping_name"] == "Pat Müller"
    assert len(_rows(staff_client.get("/admin/orders.csv"))) == 2
    assert staff_client.get("/admin/orders.csv?status=bogus").status_code == 404


@pytest.mark.parametrize("hostile", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"])
def test_cells_a_spreadsheet_would_run_are_neutralised(staff_client, hostile):
    make_order(email=f"{hostile}@example.com"[:300], shipping_name=hostile)
    row = _rows(staff_client.get("/admin/orders.csv"))[0]
    assert row["shipping_name"] == "'" + hostile and row["email"].startswith("'")
    assert row["total_cents"] == "2000"  # numbers stay numbers


@pytest.mark.parametrize("role, allowed", [(StaffRole.OWNER, True), (StaffRole.FULFILMENT, True), (StaffRole.EDITOR, False)])
def test_owner_and_fulfilment_may_export_editors_may_not(app, client, role, allowed):
    make_staff(role=role)
    log_in(client, STAFF_EMAIL)
    assert client.get("/admin/orders.csv").status_code == (200 if allowed else 403)


def test_many_orders_stream_in_batches(staff_client):
    for _ in range(3):
        make_order(lines=2)
    from shop.orders import staff as order_staff

    order_staff.EXPORT_BATCH, old = 2, order_staff.EXPORT_BATCH
    try:
        rows = _rows(staff_client.get("/admin/orders.csv"))
    finally:
        order_staff.EXPORT_BATCH = old
    assert len(rows) == 3 and all(row["items"].count("×") == 2 for row in rows)
