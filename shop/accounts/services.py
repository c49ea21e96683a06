from __future__ import annotations

from sqlalchemy import func, select

from shop.accounts.models import StaffRole, StaffUser
from shop.extensions import db


class StaffUserExists(ValueError):
    pass


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff user with these credentials, or None."""
    user = db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def create_staff_user(email: str, name: str, password: str, role: StaffRole = StaffRole.OWNER) -> StaffUser:
    email = email.strip().lower()
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffUserExists(email)
    user = StaffUser(email=email, name=name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
