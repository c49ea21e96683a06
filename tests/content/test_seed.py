"""The demo content reads like a real device maker's site, and loads idempotently."""
from sqlalchemy import func, select

from shop.content.models import Article, Author
from shop.content.services import articles_with_unknown_products
from shop.extensions import db
from shop.testimonials.models import Testimonial as Story
from tests.support.html import page_text


def test_demo_content_is_complete(seeded, client):
    articles = db.session.scalars(select(Article)).all()
    assert len(articles) >= 4 and db.session.scalar(select(func.count(Author.id))) == 2
    assert all(article.references and article.categories and article.hero_image_alt for article in articles)
    assert articles_with_unknown_products() == {}
    stories = db.session.scalars(select(Story)).all()
    assert len(stories) >= 3 and all(s.published and s.illustrative and s.consent_scope for s in stories)
    text = page_text(client.get("/articles/does-magnesium-oil-help-stroke-recovery"))
    for fact in ("420 mg", "320 mg", "muscle relaxants", "antibiotics", "placebo", "neuroplasticity", "in hospital"):
        assert fact in text, fact
    assert "ods.od.nih.gov" in client.get("/articles/does-magnesium-oil-help-stroke-recovery").get_data(as_text=True)


def test_seeding_twice_changes_nothing(seeded):
    from shop.seed import seed_all

    before = db.session.scalar(select(func.count(Article.id))), db.session.scalar(select(func.count(Story.id)))
    output = list(seed_all())
    assert "content: 0 articles added, 4 already there" in output
    assert (db.session.scalar(select(func.count(Article.id))), db.session.scalar(select(func.count(Story.id)))) == before


def test_a_shopper_goes_from_an_article_to_a_product_to_the_cart(seeded, client):
    article = client.get("/articles/exercises-for-hand-recovery-after-stroke").get_data(as_text=True)
    assert 'href="/products/assist-strap"' in article
    form = article[article.index('<aside class="card product-inline" aria-label="Product: Assist Strap"'):]
    assert 'action="/cart/items"' in form[:form.index("</aside>")]
    response = client.post("/cart/items", data={"product": "assist-strap", "quantity": "1"})
    assert response.status_code in (302, 303)
    assert "Assist Strap" in page_text(client.get("/cart"))
