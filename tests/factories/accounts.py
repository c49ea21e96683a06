"""Staff accounts."""
from __future__ import annotations

from shop.accounts.models import StaffRole, StaffUser
from tests.factories.base import finish
from tests.support.shopper import STAFF_PASSWORD

STAFF_EMAIL = "ann@example.com"


def make_staff(email: str = STAFF_EMAIL, *, role: StaffRole = StaffRole.OWNER, active: bool = True,
               password: str = STAFF_PASSWORD, commit: bool = True) -> StaffUser:
    user = StaffUser(email=email, name="Ann", role=role, active=active)
    user.set_password(password)
    return finish(user, commit)
