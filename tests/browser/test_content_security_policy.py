"""The Content-Security-Policy in a real browser: no page the shop serves breaks it (no
inline script, no inline style, nothing from elsewhere), and the policy bites."""
import pytest

from tests.browser.test_accessibility import PUBLIC

pytestmark = pytest.mark.browser


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def test_no_public_page_breaks_the_content_security_policy(seeded, page, live_shop):
    found = _violations(page)
    for path in PUBLIC + ["/articles/category/exercises", "/feed.xml"]:
        page.goto(f"{live_shop.url}{path}")
    page.wait_for_timeout(200)
    assert found == []


def test_the_policy_stops_an_injected_inline_script(seeded, page, live_shop):
    found = _violations(page)
    page.goto(f"{live_shop.url}/")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined") and found
