"""Static files under fingerprinted names with a year's immutable cache, CSS minified,
text compressed once (shop/assets.py); pages rendered for a visitor compressed for them."""
import gzip
import re
from pathlib import Path

import brotli
import pytest

from tests.factories import make_product
from tests.support.shopper import add_to_cart

ROOT = Path(__file__).resolve().parents[2]
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def stylesheet(app, client):
    page = client.get("/newsletter").get_data(as_text=True)
    found = re.search(r'href="(/static/css/shop\.([0-9a-f]{12})\.css)"', page)
    assert found, "the page links the fingerprinted stylesheet"
    return found.group(1)


def test_the_stylesheet_is_minified_and_kept_a_year(client, stylesheet):
    response = client.get(stylesheet)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == YEAR
    source = (ROOT / "static/css/shop.css").read_text()
    css = response.get_data(as_text=True)
    assert len(css) < len(source) * 0.9 and "/*" not in css and "\n  " not in css
    assert ".skip-link" in css


def test_the_name_changes_with_the_content(app, stylesheet):
    from shop.assets import read_assets

    digest = stylesheet.split(".")[-2]
    assert read_assets(ROOT / "static")["css/shop.css"].hash == digest
    with app.test_request_context():
        from flask import url_for

        assert url_for("static", filename="img/favicon.svg").startswith("/static/img/favicon.")
        assert url_for("static", filename="not/a/file.png") == "/static/not/a/file.png"


@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_text_files_are_sent_compressed(client, stylesheet, encoding, decompress):
    plain = client.get(stylesheet).data
    response = client.get(stylesheet, headers={"Accept-Encoding": f"{encoding}, identity"})
    assert response.headers["Content-Encoding"] == encoding and "Accept-Encoding" in response.headers["Vary"]
    assert decompress(response.data) == plain and len(response.data) < len(plain) / 2


def test_conditional_requests_get_304(client, stylesheet):
    etag = client.get(stylesheet).headers["ETag"]
    assert client.get(stylesheet, headers={"If-None-Match": etag}).status_code == 304


def test_an_old_fingerprint_gets_todays_file_checked_every_time(client, stylesheet):
    response = client.get("/static/css/shop.000000000000.css")
    assert response.status_code == 200 and response.data == client.get(stylesheet).data
    assert response.headers["Cache-Control"] == "public, no-cache"
    plain = client.get("/static/css/shop.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, no-cache"


def test_other_files_are_fingerprinted_too(app, client):
    page = client.get("/newsletter/check-your-email").get_data(as_text=True)
    favicon = re.search(r'href="(/static/img/favicon\.[0-9a-f]{12}\.svg)"', page).group(1)
    response = client.get(favicon)
    assert response.headers["Cache-Control"] == YEAR and b"<svg" in response.data
    with client.get("/static/ebook/stroke-recovery-at-home.pdf") as pdf:  # on disk, not kept in memory
        assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"


def test_unknown_and_hostile_paths_are_404(client):
    for path in ("/static/nothing.css", "/static/../shop/config.py", "/static/css/..%2f..%2fwsgi.py",
                 "/static/nothing.0123456789ab.css"):
        assert client.get(path).status_code == 404, path


def test_assets_build_writes_what_nginx_serves(app, runner, tmp_path, stylesheet):
    result = runner.invoke(args=["assets", "build", str(tmp_path / "static")])
    assert result.exit_code == 0, result.output
    fingerprinted = tmp_path / stylesheet.lstrip("/")
    assert fingerprinted.read_bytes() == (tmp_path / "static/css/shop.css").read_bytes()
    assert gzip.decompress(Path(f"{fingerprinted}.gz").read_bytes()) == fingerprinted.read_bytes()
    assert brotli.decompress(Path(f"{fingerprinted}.br").read_bytes()) == fingerprinted.read_bytes()
    assert (tmp_path / "static/ebook/stroke-recovery-at-home.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_page_rendered_for_a_visitor_is_compressed_for_them(app, client):
    product = make_product(slug="squeezed")
    add_to_cart(client, product, 1)
    response = client.get("/cart", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"Your cart" in gzip.decompress(response.data)
