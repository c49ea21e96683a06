"""Hypothesis walks the URL map: every GET route with random and hostile path segments and
query values, every POST route with random, missing, huge, Unicode, control-character, SQL
and HTML form values, with and without a valid CSRF token, anonymous and as staff. The
shop may refuse (4xx), never fail (500), on SQLite and on PostgreSQL.

Examples are derandomized (the same ones every run, so CI is repeatable) and few per
route; the whole walk takes about a minute on both databases.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from shop import create_app
from tests.factories import STAFF_EMAIL, make_order, make_product, make_staff
from tests.support.shopper import log_in

pytestmark = pytest.mark.slow

HOSTILE = [
    "", " ", "0", "-1", "1.5", "9223372036854775807", "99999999999999999999999", "1e309", "NaN",
    "' OR 1=1 --", "'; DROP TABLE orders; --", "\" OR \"\"=\"", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "javascript:alert(1)", "//evil.example/", "https://evil.example/", "../../etc/passwd", "%00", "%2e%2e%2f",
    "a\x00b", "\x1b[31m", "\x7f", "\u0085", "\u2028", "\ufeff", "\ud7ff", "💪🏽", "Ωmega", "ﬁ", "İ", "\u202eevil",
    "x" * 5000, "SH-AAAAAAAA", "cs_test_123", "{{7*7}}", "${7*7}", "%s%s%s", "null", "true", "[]", "{}",
]
# Mostly values that pass the control-character check (so the walk gets past it to the
# views), some that do not.
readable = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=60)
text = st.one_of(st.sampled_from(HOSTILE), readable, st.integers(-10, 10**12).map(str), st.text(max_size=20))
# Names the shop's forms and queries use, and some they do not.
FIELDS = ["product", "quantity", "next", "email", "password", "name", "story", "consent", "website", "source",
          "time_since_stroke", "order", "note", "scope", "amount", "attempt", "q", "page", "status", "category",
          "session_id", "play", "List-Unsubscribe", "submit", "csrf_token", "x"]
fields = st.dictionaries(st.sampled_from(FIELDS), text, max_size=8)


def _rules() -> list[Rule]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


RULES = _rules()
GET_RULES = [r for r in RULES if "GET" in r.methods]
POST_RULES = [r for r in RULES if "POST" in r.methods]


def _path_value(converter: str):
    if converter == "int":
        return st.one_of(st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]),
                         st.integers(min_value=0, max_value=2**80))
    return text.filter(lambda value: "/" not in value and value not in ("", ".", ".."))


BOUNDARY_NUMBERS = [0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]


def boundary_paths(rule: Rule) -> list[str]:
    """The rule with each of its path values at the edges of what databases hold, and each
    hostile string: tried one by one before the random walk, so they are always tried."""
    paths = []
    for arg in rule.arguments:
        numeric = type(rule._converters[arg]).__name__ != "UnicodeConverter"
        for value in (BOUNDARY_NUMBERS if numeric else [v for v in HOSTILE if v and "/" not in v][:20]):
            path = rule.rule
            for other in rule.arguments:
                filler = str(value) if other == arg else "1"
                path = path.replace(f"<int:{other}>", filler).replace(f"<{other}>", filler)
            paths.append("/".join(_quote(part) if part else part for part in path.split("/")))
    return paths


def _path(rule: Rule, draw) -> str:
    path = rule.rule
    for arg in rule.arguments:
        converter = type(rule._converters[arg]).__name__.replace("Converter", "").lower()
        value = draw(_path_value("int" if converter == "integer" else converter))
        path = path.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
    return path


@pytest.fixture
def app_config():
    # Limits would answer 429 after a few examples and hide everything behind them.
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def shop_data(app):
    make_product(slug="trainer", stock=5)
    make_order(number="SH-AAAAAAAA")
    make_staff()


def fuzz(rule: Rule) -> settings:
    """More examples for routes with a number in the path: there the path's value, the
    token and the form must all be right at once to reach the query."""
    has_number = any(type(rule._converters[arg]).__name__ != "UnicodeConverter" for arg in rule.arguments)
    return settings(max_examples=40 if has_number else 15, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@pytest.mark.parametrize("rule", GET_RULES, ids=lambda r: r.rule)
def test_no_get_route_answers_500(app, client, shop_data, rule):
    for path in boundary_paths(rule):
        assert client.get(path).status_code < 500, path

    @fuzz(rule)
    @given(data=st.data(), query=st.one_of(st.just({}), fields))
    def walk(data, query):
        path = "/".join(_quote(part) if part else part for part in _path(rule, data.draw).split("/"))
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query, response.status_code)

    walk()


@pytest.mark.parametrize("as_staff", [False, True], ids=["anonymous", "staff"])
@pytest.mark.parametrize("rule", POST_RULES, ids=lambda r: r.rule)
def test_no_post_route_answers_500(app, client, shop_data, rule, as_staff):
    if as_staff:
        log_in(client, STAFF_EMAIL)
    for path in boundary_paths(rule):
        assert client.post(path, data={}).status_code < 500, path

    @fuzz(rule)
    @given(data=st.data(), form=st.one_of(st.just({}), fields), with_token=st.booleans())
    def walk(data, form, with_token):
        path = "/".join(_quote(part) if part else part for part in _path(rule, data.draw).split("/"))
        if with_token:
            form.pop("csrf_token", None)
        response = client.post(path, data=form, csrf=with_token)
        assert response.status_code < 500, (path, form, with_token, response.status_code)

    walk()
