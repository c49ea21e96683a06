"""Every Flask extension, created unbound so any module can import it without a cycle.

`create_app()` binds them to the app (cookiecutter-flask's pattern).
"""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from shop.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage comes from RATELIMIT_STORAGE_URI: memory:// on one server, redis:// when
# several app servers must share one count.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
