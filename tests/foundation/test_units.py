"""Pure helpers: money formatting and parsing, Markdown sanitising, SQLite tuning."""
import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.markup import render_markdown
from shop.money import format_money, parse_money
from tests.support.html import dangerous_markup


@pytest.mark.parametrize(
    "cents, currency, text",
    [(0, "usd", "$0.00"), (5, "usd", "$0.05"), (29900, "usd", "$299.00"), (123456789, "usd", "$1,234,567.89"),
     (-1250, "usd", "-$12.50"), (1200, "eur", "€12.00"), (500, "jpy", "¥500"), (1999, "chf", "CHF 19.99")],
)
def test_format_money(cents, currency, text):
    assert format_money(cents, currency) == text


@pytest.mark.parametrize("bad", [12.5, "12", True])
def test_format_money_refuses_non_integers(bad):
    with pytest.raises(TypeError):
        format_money(bad, "usd")


@pytest.mark.parametrize("text, cents", [("129", 12900), ("129.5", 12950), ("129.05", 12905), ("$1,299.99", 129999), (".5", 50)])
def test_parse_money(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("bad", ["", "abc", "1.234", "1.2.3", "-5"])
def test_parse_money_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        parse_money(bad)


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt&#58;alert(1))",
        "<img src=x onerror=alert(1)>",
        '<a href="data:text/html;base64,xx">x</a>',
        "![pic](data:image/svg+xml;base64,PHN2Zz4=)",
        "<iframe src='https://evil.example'></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_markdown_never_lets_script_through(source):
    html = str(render_markdown(source))
    assert dangerous_markup(html) == [], html


def test_markdown_keeps_plain_formatting():
    html = str(render_markdown("## Title\n\n- one\n- two\n\n[link](https://example.org)"))
    assert "<h2>Title</h2>" in html and "<li>one</li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    from shop import create_app
    from tests.conftest import make_test_config

    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'pragmas.sqlite'}"))
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000


@pytest.mark.parametrize("text, currency, cents", [("1200", "jpy", 1200), ("1,200", "jpy", 1200), ("12", "eur", 1200)])
def test_parse_money_knows_zero_decimal_currencies(text, currency, cents):
    assert parse_money(text, currency) == cents


@pytest.mark.parametrize("bad, currency", [("1,2", "usd"), (".", "usd"), ("12.5", "jpy"), ("1,20,000", "usd")])
def test_parse_money_refuses_odd_separators(bad, currency):
    with pytest.raises(ValueError):
        parse_money(bad, currency)
