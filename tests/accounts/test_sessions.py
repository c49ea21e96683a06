"""Staff sessions end server-side: at logout, at a password change, at a switch-off, and
after a working day idle; login starts a fresh session and is limited per account."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from shop.accounts import services
from shop.accounts.models import StaffRole, StaffUser
from shop.extensions import db
from tests.factories import STAFF_EMAIL, make_staff
from tests.support.html import page_text
from tests.support.shopper import STAFF_PASSWORD, log_in

NEW_PASSWORD = "plum kettle orbit lantern"


def _copy_of_session(app, client):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_login_starts_a_fresh_session(app, client):
    make_staff()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "0" * 40
    log_in(client, STAFF_EMAIL)
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("csrf_token") != "0" * 40
        assert session["_user_id"].startswith(f"{db.session.scalar(sa.select(StaffUser.id))}:")


def test_a_copied_cookie_stops_working_after_logout(app, client):
    make_staff()
    log_in(client, STAFF_EMAIL)
    thief = _copy_of_session(app, client)
    assert thief.get("/admin").status_code == 200
    assert client.post("/logout").status_code == 303
    assert thief.get("/admin").status_code == 303  # to /login: the copy is dead on the server's side
    assert client.get("/admin").status_code == 303


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app, client):
    make_staff()
    log_in(client, STAFF_EMAIL)
    thief = _copy_of_session(app, client)
    response = client.post("/admin/password", data={"current_password": STAFF_PASSWORD, "new_password": NEW_PASSWORD,
                                                    "new_password_again": NEW_PASSWORD})
    assert response.status_code == 303
    assert client.get("/admin").status_code == 200
    assert thief.get("/admin").status_code == 303
    fresh_browser = app.test_client()
    assert fresh_browser.post("/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD}).status_code == 200
    log_in(fresh_browser, STAFF_EMAIL, NEW_PASSWORD)


@pytest.mark.parametrize("fields, words", [
    ({"current_password": "wrong one entirely", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
     "not your current password"),
    ({"current_password": STAFF_PASSWORD, "new_password": "password1234", "new_password_again": "password1234"},
     "harder to guess"),
    ({"current_password": STAFF_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"},
     "not the same"),
])
def test_a_refused_password_change_changes_nothing(staff_client, fields, words):
    response = staff_client.post("/admin/password", data=fields)
    assert response.status_code == 400 and words in page_text(response)
    assert staff_client.get("/admin").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(StaffUser)).check_password(STAFF_PASSWORD)


def test_switching_an_account_off_ends_its_sessions_at_once(app, client):
    make_staff()
    bo = make_staff("bo@example.com", role=StaffRole.EDITOR)
    bo_browser = app.test_client()
    log_in(bo_browser, "bo@example.com")
    log_in(client, STAFF_EMAIL)
    assert "bo@example.com" in page_text(client.get("/admin/staff"))
    assert client.post(f"/admin/staff/{bo.id}/deactivate").status_code == 303
    assert bo_browser.get("/admin").status_code == 303
    assert bo_browser.post("/login", data={"email": "bo@example.com", "password": STAFF_PASSWORD}).status_code == 200
    assert client.post(f"/admin/staff/{bo.id}/role", data={f"staff-{bo.id}-role": "fulfilment"}).status_code == 303
    assert client.post(f"/admin/staff/{bo.id}/activate").status_code == 303
    log_in(bo_browser, "bo@example.com")
    assert bo_browser.get("/admin/orders").status_code == 200  # now fulfilment


def test_the_owner_adds_staff_in_the_browser_and_cannot_remove_the_last_owner(app, client):
    ann = make_staff()
    log_in(client, STAFF_EMAIL)
    response = client.post("/admin/staff", data={"email": "cy@example.com", "name": "Cy", "role": "fulfilment",
                                                 "password": "short", "password_again": "short"})
    assert response.status_code == 400 and "at least 12 characters" in page_text(response)
    response = client.post("/admin/staff", data={"email": "cy@example.com", "name": "Cy", "role": "fulfilment",
                                                 "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 303
    log_in(app.test_client(), "cy@example.com", NEW_PASSWORD)
    refused = client.post(f"/admin/staff/{ann.id}/deactivate")
    assert refused.status_code == 409 and "at least one owner" in page_text(refused)
    assert client.get("/admin").status_code == 200


def test_a_staff_session_ends_after_a_working_day_idle(app, client):
    make_staff()
    log_in(client, STAFF_EMAIL)
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - 7 * 3600  # idle seven hours: still fine
    assert client.get("/admin").status_code == 200
    with client.session_transaction() as session:
        assert session["staff_seen"] >= int(time.time()) - 5  # and the clock starts again
        session["staff_seen"] = int(time.time()) - app.config["STAFF_IDLE_MINUTES"] * 60 - 1
    response = client.get("/admin")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "not used for a while" in page_text(client.get("/login"))


def test_login_is_limited_per_account_whatever_the_address(app, client):
    make_staff()
    for i in range(5):
        response = app.test_client().post("/login", data={"email": STAFF_EMAIL, "password": f"wrong {i}"},
                                          environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
        assert response.status_code == 200
    blocked = client.post("/login", data={"email": "ANN@example.com ", "password": STAFF_PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert blocked.status_code == 429
    # Another account is not held up by this one's failures; a success costs nothing.
    make_staff("bo@example.com")
    for _ in range(6):
        log_in(app.test_client(), "bo@example.com")


def test_login_costs_one_hash_check_whether_or_not_the_email_is_an_account(app, monkeypatch):
    """Timing is what an attacker measures; what decides it is the work done: one password
    hash check with the same method and cost, for a wrong password and for an unknown email
    (counted by wrapping the real function, which still runs)."""
    make_staff()
    checked: list[str] = []
    real = services.check_password_hash

    def counted(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counted)
    assert services.authenticate(STAFF_EMAIL, "not the password") is None
    wrong_password = list(checked)
    checked.clear()
    assert services.authenticate("nobody@example.com", "not the password") is None
    assert len(wrong_password) == len(checked) == 1 and wrong_password == checked
