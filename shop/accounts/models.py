from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from shop.database import UTCDateTime, enum_column, utcnow
from shop.extensions import db, login_manager


class StaffRole(str, enum.Enum):
    """What a staff member may do. Each staff route names the roles it allows."""

    OWNER = "owner"            # everything, including refunds and staff accounts
    EDITOR = "editor"          # products, stories, articles
    FULFILMENT = "fulfilment"  # orders: view, ship, note


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of what a login session holds (get_id): raised at logout, password change and
    # switch-off, so every session made before - and any copy of its cookie - ends at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session keeps: the account and the session version it was made under."""
        return f"{self.id}:{self.session_version}"


@login_manager.user_loader
def load_staff_user(session_id: str) -> StaffUser | None:
    """The account a session belongs to, while the session is still current: a session
    made before a logout, a password change or a switch-off finds no one."""
    account, _, version = session_id.partition(":")
    if not (account.isascii() and account.isdigit() and version.isascii() and version.isdigit()):
        return None
    if len(account) > 18 or len(version) > 18:
        return None
    user = db.session.get(StaffUser, int(account))
    if user is None or user.session_version != int(version):
        return None
    return user
