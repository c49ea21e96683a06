"""What search engines and feed readers see: sitemap, feed, robots, meta tags, JSON-LD."""
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from shop.content.models import ArticleStatus
from shop.database import utcnow
from tests.factories import make_article, make_product, make_testimonial

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _jsonld(response) -> dict[str, dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.get_data(as_text=True), re.DOTALL)
    documents = [json.loads(block) for block in blocks]
    return {document["@type"]: document for document in documents}


def test_sitemap_is_valid_xml_listing_every_kind_of_page_with_lastmod(seeded, client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    entries = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.findall(f"{SITEMAP}url")}
    for path in ("/products/steadyhand-trainer", "/articles/does-magnesium-oil-help-stroke-recovery",
                 "/articles/category/hand-and-arm", "/authors/hannah-okafor", "/testimonials",
                 "/testimonials/maria-hand-movement-five-years-on"):
        url = "http://shop.test" + path
        assert url in entries, path
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entries[url]), path
    assert "http://shop.test/" in entries


def test_sitemap_leaves_out_drafts_and_unpublished_stories(app, client):
    draft = make_article(status=ArticleStatus.DRAFT)
    hidden = make_testimonial(published=False)
    inactive = make_product(active=False)
    body = client.get("/sitemap.xml").get_data(as_text=True)
    assert draft.slug not in body and hidden.slug not in body and inactive.slug not in body


def test_feed_is_valid_atom_newest_first(app, client):
    make_article(title="Older & wiser", slug="older", published_at=utcnow() - timedelta(days=9))
    make_article(title="Newest <news>", slug="newest", published_at=utcnow() - timedelta(hours=1))
    response = client.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed" and root.findtext(f"{ATOM}id") == "http://shop.test/articles"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://shop.test/feed.xml"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newest <news>", "Older & wiser"]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("http://shop.test/articles/")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") and entry.findtext(f"{ATOM}updated")


def test_robots_points_at_the_sitemap_and_keeps_private_pages_out(app, client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://shop.test/sitemap.xml" in text
    for path in ("/cart", "/checkout", "/newsletter/confirm/", "/newsletter/unsubscribe/", "/search"):
        assert f"Disallow: {path}" in text


@pytest.mark.parametrize(
    "path",
    ["/", "/articles", "/articles/what-is-neuroplasticity", "/articles/category/for-carers", "/authors/samuel-reyes",
     "/testimonials", "/testimonials/tom-a-daily-routine-together", "/testimonials/submit", "/newsletter",
     "/search?q=hand", "/products/steadyhand-trainer"],
)
def test_every_page_has_canonical_description_and_social_tags(seeded, client, path):
    html = client.get(path).get_data(as_text=True)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    assert canonical == "http://shop.test" + path.split("?")[0]
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert len(description) > 30
    for tag in ('property="og:title"', 'property="og:description"', f'property="og:url" content="{canonical}"',
                'property="og:type"', 'name="twitter:card"'):
        assert tag in html, tag


def test_home_page_json_ld_organization_and_website(seeded, client):
    documents = _jsonld(client.get("/"))
    assert documents["Organization"]["name"] == "Steady Hand Rehab" and documents["Organization"]["url"] == "http://shop.test/"
    search_action = documents["WebSite"]["potentialAction"]
    assert search_action["target"]["urlTemplate"] == "http://shop.test/search?q={search_term_string}"


def test_product_json_ld_has_an_offer_and_no_self_serving_reviews(seeded, client):
    make_testimonial(product=None, headline="Featured on the product page")
    documents = _jsonld(client.get("/products/steadyhand-trainer"))
    product = documents["Product"]
    assert product["name"] == "SteadyHand Trainer" and product["sku"] == "SH-TRN-01"
    assert product["offers"] == {
        "@type": "Offer", "url": "http://shop.test/products/steadyhand-trainer", "price": "299.00",
        "priceCurrency": "USD", "availability": "https://schema.org/InStock", "itemCondition": "https://schema.org/NewCondition",
    }
    assert product["image"][0].startswith("http://shop.test/static/img/products/")
    assert "review" not in product and "aggregateRating" not in product
    assert [item["name"] for item in documents["BreadcrumbList"]["itemListElement"]] == ["Home", "Products", "SteadyHand Trainer"]


def test_out_of_stock_product_offer(app, client):
    product = make_product(stock=0, price_cents=1999)
    offer = _jsonld(client.get(f"/products/{product.slug}"))["Product"]["offers"]
    assert offer["availability"] == "https://schema.org/OutOfStock" and offer["price"] == "19.99"


def test_article_json_ld_has_author_dates_and_breadcrumbs(seeded, client):
    documents = _jsonld(client.get("/articles/does-magnesium-oil-help-stroke-recovery"))
    article = documents["Article"]
    assert article["headline"] == "Does magnesium oil help stroke recovery?"
    assert article["author"]["name"] == "Dr Hannah Okafor" and article["author"]["url"] == "http://shop.test/authors/hannah-okafor"
    assert article["datePublished"].startswith("2026-09-15") and article["dateModified"]
    assert article["mainEntityOfPage"]["reviewedBy"]["name"] == "Dr Samuel Reyes"
    assert "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/" in article["citation"]
    crumbs = documents["BreadcrumbList"]["itemListElement"]
    assert [c["position"] for c in crumbs] == [1, 2, 3, 4]
    assert crumbs[-1]["item"] == "http://shop.test/articles/does-magnesium-oil-help-stroke-recovery"


def test_json_ld_cannot_be_broken_out_of(app, client):
    product = make_product(name="</script><script>alert(1)</script>", summary="a & b")
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert _jsonld(client.get(f"/products/{product.slug}"))["Product"]["name"] == "</script><script>alert(1)</script>"
