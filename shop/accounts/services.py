"""Staff accounts: logging in, the accounts an owner manages, and ending sessions.

Every change here is one transaction and writes its audit row in it. A session is tied
to the account's session_version (see StaffUser.get_id): raising the version ends every
session made before, on every app server, at once.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from shop.accounts.models import StaffRole, StaffUser
from shop.accounts.passwords import password_problem
from shop.audit.services import Actor, record_change
from shop.database import write_transaction
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db


class StaffUserExists(Conflict):
    def __init__(self, email: str):
        super().__init__(f"{email} already has a staff account.")
        self.email = email


class StaffUserNotFound(NotFound):
    def __init__(self, who: str | int = ""):
        super().__init__("We can't find that staff account.")
        self.who = who


class WeakPassword(ShopError):
    """The password is too short or too easy to guess. Nothing was changed."""


class WrongPassword(ShopError):
    def __init__(self) -> None:
        super().__init__("That is not your current password. Nothing was changed.")


class LastOwner(Conflict):
    def __init__(self) -> None:
        super().__init__("The shop needs at least one owner who can log in, so this account must stay an active "
                         "owner. Make someone else an owner first. Nothing was changed.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


@lru_cache(maxsize=1)
def _hash_for_nobody() -> str:
    # Checked when no account matches, so a wrong email costs what a wrong password costs.
    return generate_password_hash("no staff account has this password")


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff user with these credentials, or None. Takes the same time (one
    password hash check) whether or not the email belongs to an account."""
    user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == normalise_email(email)))
    matches = check_password_hash(user.password_hash if user else _hash_for_nobody(), password)
    if user is None or not matches or not user.active:
        return None
    return user


def _checked_password(password: str, email: str, name: str) -> str:
    problem = password_problem(password, user_inputs=[email, email.split("@")[0], name])
    if problem:
        raise WeakPassword(problem)
    return password


def create_staff_user(email: str, name: str, password: str, role: StaffRole, *, actor: Actor) -> StaffUser:
    """A new active account. Raises WeakPassword or StaffUserExists. Transactional."""
    email = normalise_email(email)
    name = name.strip() or email.split("@")[0]
    _checked_password(password, email, name)
    with write_transaction():
        if db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)) is not None:
            raise StaffUserExists(email)
        user = StaffUser(email=email, name=name[:120], role=role, active=True, session_version=1)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        record_change(actor, "staff.created", "staff", user.id, label=email,
                      changes={"role": (None, role), "active": (None, True)})
    return user


def list_staff() -> list[StaffUser]:
    """Every account, active ones first, then by email."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.email)))


def find_staff(email: str) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == normalise_email(email)))
    if user is None:
        raise StaffUserNotFound(email)
    return user


def _locked(user_id: int) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.id == user_id).with_for_update())
    if user is None:
        raise StaffUserNotFound(user_id)
    return user


def _other_active_owners(user_id: int) -> int:
    # Locks the other owners' rows too, so two owners demoting each other at once cannot
    # both succeed and leave none.
    return len(db.session.scalars(select(StaffUser.id).where(
        StaffUser.id != user_id, StaffUser.role == StaffRole.OWNER, StaffUser.active.is_(True),
    ).with_for_update()).all())


def _end_sessions(user: StaffUser) -> None:
    user.session_version = StaffUser.session_version + 1


def set_role(user_id: int, role: StaffRole, *, actor: Actor) -> bool:
    """Give an account another role. False when it already had it. Refuses (LastOwner)
    to leave the shop without an active owner. Transactional."""
    with write_transaction():
        user = _locked(user_id)
        if user.role is role:
            return False
        if user.role is StaffRole.OWNER and user.active and _other_active_owners(user.id) == 0:
            raise LastOwner()
        record_change(actor, "staff.role_changed", "staff", user.id, label=user.email, changes={"role": (user.role, role)})
        user.role = role
    return True


def set_active(user_id: int, active: bool, *, actor: Actor) -> bool:
    """Switch an account off (its sessions end at once) or back on. False when it was
    already so. Refuses (LastOwner) to switch off the last active owner. Transactional."""
    with write_transaction():
        user = _locked(user_id)
        if user.active is active:
            return False
        if not active and user.role is StaffRole.OWNER and _other_active_owners(user.id) == 0:
            raise LastOwner()
        record_change(actor, "staff.activated" if active else "staff.deactivated", "staff", user.id,
                      label=user.email, changes={"active": (user.active, active)})
        user.active = active
        _end_sessions(user)
    return True


def change_password(user_id: int, current_password: str, new_password: str, *, actor: Actor) -> StaffUser:
    """Set a new password after checking the current one, and end every session made
    with the old one (the caller logs this browser in again). Transactional."""
    with write_transaction():
        user = _locked(user_id)
        if not user.check_password(current_password):
            raise WrongPassword()
        _checked_password(new_password, user.email, user.name)
        user.set_password(new_password)
        _end_sessions(user)
        record_change(actor, "staff.password_changed", "staff", user.id, label=user.email)
    db.session.refresh(user)
    return user


def reset_password(user_id: int, new_password: str, *, actor: Actor) -> None:
    """Set someone's password without the old one (the command line, for a locked-out
    owner); their sessions end. Transactional."""
    with write_transaction():
        user = _locked(user_id)
        _checked_password(new_password, user.email, user.name)
        user.set_password(new_password)
        _end_sessions(user)
        record_change(actor, "staff.password_reset", "staff", user.id, label=user.email)


def end_sessions(user_id: int) -> None:
    """Log this account out everywhere (what logging out does). Transactional."""
    with write_transaction():
        db.session.execute(update(StaffUser).where(StaffUser.id == user_id)
                           .values(session_version=StaffUser.session_version + 1))

