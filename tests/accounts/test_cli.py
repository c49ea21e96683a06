"""`flask accounts ...`: the password read twice from standard input, refusals with a
clear message and a non-zero exit."""
from __future__ import annotations

import sqlalchemy as sa

from shop.accounts.models import StaffRole, StaffUser
from shop.audit.models import AuditEntry
from shop.extensions import db
from tests.factories import make_staff
from tests.support.db import count, fresh

GOOD = "plum kettle orbit lantern"


def _user(email: str) -> StaffUser | None:
    fresh()
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def test_create_reads_the_password_twice_and_never_from_the_command_line(runner, client):
    result = runner.invoke(args=["accounts", "create", "Bo@Example.com", "--role", "editor", "--name", "Bo"],
                           input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "Created bo@example.com (editor)." in result.output and GOOD not in result.output
    user = _user("bo@example.com")
    assert (user.role, user.name, user.active) == (StaffRole.EDITOR, "Bo", True) and user.check_password(GOOD)
    assert count(AuditEntry, AuditEntry.action == "staff.created", AuditEntry.actor_email == "command line") == 1
    assert client.post("/login", data={"email": "bo@example.com", "password": GOOD}).status_code == 303


def test_short_common_and_mismatched_passwords_are_refused(runner):
    for password, words in (("short pw", "at least 12 characters"), ("password1234", "harder to guess"),
                            ("bo@example.com1", "harder to guess")):
        result = runner.invoke(args=["accounts", "create", "bo@example.com", "--role", "owner"],
                               input=f"{password}\n{password}\n")
        assert result.exit_code != 0 and words in result.output, (password, result.output)
    result = runner.invoke(args=["accounts", "create", "bo@example.com", "--role", "owner"],
                           input=f"{GOOD}\n{GOOD} typo\n")
    assert result.exit_code != 0  # click asks again; stdin ends: no account
    assert _user("bo@example.com") is None


def test_create_refuses_an_unknown_role_and_an_existing_account(runner):
    make_staff("bo@example.com")
    result = runner.invoke(args=["accounts", "create", "bo@example.com", "--role", "owner"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 1 and "already has a staff account" in result.output
    result = runner.invoke(args=["accounts", "create", "cy@example.com", "--role", "boss"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 2 and "boss" in result.output


def test_set_role_deactivate_activate_and_list(runner):
    make_staff("ann@example.com")
    make_staff("bo@example.com", role=StaffRole.EDITOR)
    result = runner.invoke(args=["accounts", "set-role", "bo@example.com", "fulfilment"])
    assert result.exit_code == 0 and _user("bo@example.com").role is StaffRole.FULFILMENT
    result = runner.invoke(args=["accounts", "deactivate", "bo@example.com"])
    assert result.exit_code == 0 and "sessions have ended" in result.output and _user("bo@example.com").active is False
    listing = runner.invoke(args=["accounts", "list"]).output
    assert "ann@example.com\towner\tactive" in listing and "bo@example.com\tfulfilment\tswitched off" in listing
    assert runner.invoke(args=["accounts", "activate", "bo@example.com"]).exit_code == 0
    assert runner.invoke(args=["accounts", "set-role", "nobody@example.com", "owner"]).exit_code == 1


def test_the_last_active_owner_stays_an_owner(runner):
    make_staff("ann@example.com")
    for args in (["accounts", "set-role", "ann@example.com", "editor"], ["accounts", "deactivate", "ann@example.com"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "at least one owner" in result.output
    assert _user("ann@example.com").role is StaffRole.OWNER and _user("ann@example.com").active


def test_set_password_for_someone_locked_out(runner, client):
    make_staff("ann@example.com")
    result = runner.invoke(args=["accounts", "set-password", "ann@example.com"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0 and _user("ann@example.com").check_password(GOOD)
