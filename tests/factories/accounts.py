"""Staff accounts."""
from __future__ import annotations

from shop.accounts.models import StaffUser
from tests.factories.base import finish
from tests.support.shopper import STAFF_PASSWORD

STAFF_EMAIL = "ann@example.com"


def make_staff(email: str = STAFF_EMAIL, *, active: bool = True, password: str = STAFF_PASSWORD,
               commit: bool = True) -> StaffUser:
    user = StaffUser(email=email, name="Ann", active=active)
    user.set_password(password)
    return finish(user, commit)
