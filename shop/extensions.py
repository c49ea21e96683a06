"""Every Flask extension, created unbound so any module can import it without a cycle.

`create_app()` binds them to the app (cookiecutter-flask's pattern). This module imports
nothing from the shop: it sits below everything else.
"""
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can drop or alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage comes from RATELIMIT_STORAGE_URI: memory:// on one server, redis:// when
# several app servers must share one count.
class ShopLimiter(Limiter):
    """Flask-Limiter, without its before-request pass when that pass has nothing to count.
    The pass counts default, application and blueprint limits; the shop's limits all sit on
    their views and are counted by their decorators, yet the pass cost about 40 us on every
    request. Should any such limit be set (RATELIMIT_DEFAULT, a limited blueprint), the
    pass runs again: it is asked on every request."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        manager = self.limit_manager
        if in_middleware and not (manager._default_limits or manager._application_limits
                                  or manager._blueprint_limits):
            return
        super()._check_request_limit(callable_name, in_middleware)


limiter = ShopLimiter(key_func=get_remote_address, default_limits=[])
# Compresses pages rendered for a visitor (shop/caching.py calls it; cached pages and
# static files are compressed once and kept).
compress = Compress()
