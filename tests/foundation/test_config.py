import click
import pytest
from flask.cli import run_command

from shop import create_app
from shop.config import ConfigError, settings_from_env


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _in_flask_command(name: str, **params):
    """The click context `flask <name>` runs in while it loads the app."""
    command = {"run": run_command}.get(name) or click.Command(name)
    context = click.Context(command, info_name=name)
    context.params.update(params)
    return context


def test_debug_mode_gets_a_development_key_from_flask_run_on_loopback(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    for host in ("127.0.0.1", "localhost"):
        with _in_flask_command("run", host=host):
            app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        assert app.debug and app.secret_key
    with _in_flask_command("seed"):  # commands that serve nothing
        assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).secret_key


def test_debug_mode_outside_a_flask_command_still_needs_a_secret_key(monkeypatch):
    # Found by probing: FLASK_DEBUG=1 under gunicorn used the fixed public key, and a
    # forged session cookie opened /admin.
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_debug_mode_on_a_public_address_still_needs_a_secret_key(monkeypatch, host):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with _in_flask_command("run", host=host), pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_secret_key_from_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.secret_key == "from-env" and not app.debug


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_url_is_normalised(given, expected):
    assert settings_from_env({"DATABASE_URL": given})["SQLALCHEMY_DATABASE_URI"] == expected


def test_defaults_are_sqlite_under_instance_and_usd():
    settings = settings_from_env({})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["SQLALCHEMY_DATABASE_URI"].endswith("instance/shop.sqlite")
    assert settings["SHOP_CURRENCY"] == "usd"


@pytest.mark.parametrize("bad", ["dollars", "u1", ""])
def test_bad_currency_is_refused(bad):
    with pytest.raises(ConfigError, match="SHOP_CURRENCY"):
        create_app({"SECRET_KEY": "x", "SHOP_CURRENCY": bad, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_bad_number_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="CART_MAX_QUANTITY"):
        settings_from_env({"CART_MAX_QUANTITY": "ten"})


def test_every_setting_is_documented_in_env_example():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = (root / "shop" / "config.py").read_text()
    documented = (root / ".env.example").read_text()
    names = set(re.findall(r'env\.get\("([A-Z_]+)"', source)) | set(re.findall(r'_int\(env, "([A-Z_]+)"', source))
    missing = sorted(n for n in names if n not in documented)
    assert not missing, f"add these to .env.example: {missing}"


def test_bought_files_may_not_live_under_static():
    with pytest.raises(ConfigError, match="DOWNLOADS_DIR must not be under static/"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DOWNLOADS_DIR": "static/downloads"})
    settings = settings_from_env({})
    assert settings["DOWNLOADS_DIR"].endswith("instance/downloads")
    limits = (settings["DOWNLOAD_LINK_DAYS"], settings["DOWNLOAD_LINK_MAX_USES"], settings["RETURN_WINDOW_DAYS"])
    assert limits == (7, 5, 30)


@pytest.mark.parametrize("name, value", [("RETURN_WINDOW_DAYS", "0"), ("DOWNLOAD_LINK_MAX_USES", "-1"),
                                         ("DOWNLOAD_LINK_DAYS", "99999")])
def test_download_and_return_limits_must_make_sense(name, value):
    with pytest.raises(ConfigError, match=name):
        create_app({**settings_from_env({name: value}), "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("name", ["PAGE_CACHE_SECONDS", "PAGE_CACHE_MAX_BYTES", "HTTP_SHARED_MAX_AGE"])
def test_negative_cache_times_are_refused_with_their_name(name):
    with pytest.raises(ConfigError, match=name):
        create_app({"SECRET_KEY": "x", name: -1, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
