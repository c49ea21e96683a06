"""Articles in the staff area (editors and the owner): the list, writing and editing with a
preview made by the public page's own renderer, a private link for a reviewer, the checks
before publishing, publishing now or at a time, taking off the site. Authors and topics
have their own screens. The work is in shop/content/editing.py."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from shop.admin.access import EDITOR, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import (
    ArticleForm,
    AuthorForm,
    ButtonForm,
    CategoryForm,
    PublishForm,
    check_buttons,
    show_at_field,
)
from shop.catalog.services import active_products_by_slug
from shop.content import editing
from shop.content.models import Article, ArticleStatus
from shop.content.rendering import product_slugs_in, render_article_body
from shop.content.services import all_categories
from shop.database import utcnow
from shop.errors import FieldRefused
from shop.media.services import ImageRefused
from shop.web import accepts_upload, existing_page, public_url, requested_page

STATE_LABELS = {
    ArticleStatus.DRAFT: "Draft", ArticleStatus.SCHEDULED: "Scheduled", ArticleStatus.PUBLISHED: "Published",
    ArticleStatus.UNPUBLISHED: "Taken off the site",
}
STATE_FILTERS = [("", "All articles")] + [(state.value, label) for state, label in STATE_LABELS.items()]


@bp.get("/articles")
@roles_allowed(OWNER, EDITOR)
def article_list():
    search, state = request.args.get("q", "").strip()[:100], request.args.get("state", "")
    if state not in dict(STATE_FILTERS):
        abort(404)
    articles = editing.list_articles_for_staff(requested_page(), search=search,
                                               status=ArticleStatus(state) if state else None)
    args = {key: value for key, value in (("q", search), ("state", state)) if value}
    return render_template("admin/articles.html", articles=existing_page(articles), search=search, state=state,
                           filters=STATE_FILTERS, labels=STATE_LABELS, pagination_args=args, now=utcnow())


def _form_for(article: Article | None) -> ArticleForm:
    if request.method == "POST":
        form = ArticleForm()
    elif article is None:
        form = ArticleForm(formdata=None)
    else:
        form = ArticleForm(
            formdata=None, title=article.title, slug=article.slug, summary=article.summary, body=article.body,
            safety_note=article.safety_note, author=article.author_id, reviewer=article.reviewer_id or 0,
            reviewed_on=article.reviewed_on, categories=[c.id for c in article.categories],
            featured_products=[link.product_id for link in article.featured_links],
            related_articles=[link.related_id for link in article.related_links],
            references=[{"title": r.title, "authors": r.authors, "source": r.source, "year": str(r.year or ""),
                         "doi": r.doi, "pmid": r.pmid, "url": r.url} for r in article.references],
            hero_image_alt=article.hero_image_alt,
        )
    form.set_choices(editing.choices(), article.id if article else None)
    while len(form.references.entries) < len(article.references if article else []) + 3:
        form.references.append_entry()
    return form


def preview_of(form: ArticleForm) -> dict:
    """The body as readers would see it, by the article page's own renderer, with what it
    would warn about: nothing is saved."""
    body = form.body.data or ""
    references = [row.form.title.data for row in form.references.entries if row.form.title.data]
    rendered = render_article_body(
        body, products=active_products_by_slug(product_slugs_in(body)), reference_count=len(references),
        product_card=lambda product: render_template("articles/_product_card.html", product=product, article=None),
    )
    return {"html": rendered.html, "problems": rendered.problems}


def _page(form: ArticleForm, article: Article | None, code: int = 200, preview: dict | None = None,
          publish_form: PublishForm | None = None):
    context = {"form": form, "article": article, "preview": preview, "labels": STATE_LABELS}
    if article is not None:
        context.update(
            publish_form=publish_form or PublishForm(formdata=None), button_form=ButtonForm(formdata=None),
            preview_url=public_url("storefront.article_preview",
                                   token=editing.preview_token(article, current_app.config["SECRET_KEY"])),
            warnings=editing.publishing_warnings(article, utcnow()),
            zone_name=current_app.config["SHOP_TIMEZONE"],
        )
    return render_template("admin/article_form.html", **context), code


def _hero(form: ArticleForm):
    upload = form.hero.data
    return upload.stream if upload and getattr(upload, "filename", "") else None


def _save(form: ArticleForm, article: Article | None):
    """Save the form (new or existing); a refusal goes back to its field."""
    try:
        if article is None:
            return editing.create_article(form.draft, hero=_hero(form), actor=current_actor())
        return editing.update_article(article.id, form.draft, hero=_hero(form), actor=current_actor())
    except ImageRefused as refusal:
        form.hero.errors = [refusal.message]
    except FieldRefused as refusal:
        show_at_field(form, refusal)
    return None


@bp.route("/articles/new", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def new_article():
    form = _form_for(None)
    if request.method == "GET":
        return _page(form, None)
    if form.preview.data:  # a preview saves nothing: the rest of the form need not be finished yet
        return _page(form, None, preview=preview_of(form))
    if not form.validate_on_submit():
        return _page(form, None, 400)
    article = _save(form, None)
    if article is None:
        return _page(form, None, 400)
    flash(f"“{article.title}” is saved as a draft. Readers do not see it until you publish it.", "success")
    return redirect(url_for("admin.edit_article", article_id=article.id), code=303)


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def edit_article(article_id: int):
    article = editing.article_for_staff(article_id)
    form = _form_for(article)
    if request.method == "GET":
        return _page(form, article)
    if form.preview.data:
        return _page(form, article, preview=preview_of(form))
    if not form.validate_on_submit():
        return _page(form, article, 400)
    saved = _save(form, article)
    if saved is None:
        return _page(form, editing.article_for_staff(article_id), 400)
    live = " Readers see the change now." if saved.status is ArticleStatus.PUBLISHED else ""
    flash(f"“{saved.title}” is saved.{live}", "success")
    return redirect(url_for("admin.edit_article", article_id=article_id), code=303)


@bp.post("/articles/<int:article_id>/publish")
@roles_allowed(OWNER, EDITOR)
def publish_article(article_id: int):
    form = PublishForm()
    article = editing.article_for_staff(article_id)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(_form_for(article), article, 400, publish_form=form)
    now = utcnow()
    at = None
    if form.when.data == "later":
        zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
        at = datetime.combine(form.day.data, form.time.data, zone)
    warnings = editing.publishing_warnings(article, now)
    if warnings and form.accept_warnings.data != "yes":
        # Shown before anything changes; publishing anyway is one more press.
        return render_template("admin/article_publish.html", article=article, warnings=warnings, form=form,
                               at=at), 409
    article = editing.publish(article_id, at=at, now=now, actor=current_actor())
    if article.status is ArticleStatus.SCHEDULED:
        flash(f"“{article.title}” will go on the site by itself on {at:%d %B %Y at %H:%M} ({at.tzname()}).", "success")
    else:
        flash(f"“{article.title}” is on the site.", "success")
    return redirect(url_for("admin.edit_article", article_id=article_id), code=303)


@bp.post("/articles/<int:article_id>/unpublish")
@roles_allowed(OWNER, EDITOR)
def unpublish_article(article_id: int):
    check_buttons(ButtonForm())
    article = editing.unpublish(article_id, actor=current_actor())
    flash(f"“{article.title}” is off the site. It is kept here: publish it again whenever you like.", "success")
    return redirect(url_for("admin.edit_article", article_id=article_id), code=303)


@bp.post("/articles/<int:article_id>/delete")
@roles_allowed(OWNER, EDITOR)
def delete_article(article_id: int):
    check_buttons(ButtonForm())
    title = editing.delete_draft(article_id, actor=current_actor())
    flash(f"The draft “{title}” is deleted.", "success")
    return redirect(url_for("admin.article_list"), code=303)


@bp.post("/articles/<int:article_id>/remove-photo")
@roles_allowed(OWNER, EDITOR)
def remove_article_photo(article_id: int):
    check_buttons(ButtonForm())
    editing.remove_hero_photo(article_id, actor=current_actor())
    flash("The photo is removed from the article.", "success")
    return redirect(url_for("admin.edit_article", article_id=article_id), code=303)


# ---------------------------------------------------------------- authors

@bp.get("/authors")
@roles_allowed(OWNER, EDITOR)
def author_list():
    return render_template("admin/authors.html", authors=editing.all_authors(), button_form=ButtonForm(formdata=None))


@bp.route("/authors/new", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def new_author():
    return _author_page(None)


@bp.route("/authors/<int:author_id>/edit", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def edit_author(author_id: int):
    return _author_page(author_id)


def _author_page(author_id: int | None):
    author = editing.author_for_staff(author_id) if author_id else None
    form = AuthorForm(obj=author) if request.method == "GET" else AuthorForm()
    if request.method == "POST" and form.validate_on_submit():
        upload = form.photo.data
        try:
            saved = editing.save_author(author_id, form.draft, actor=current_actor(),
                                        photo=upload.stream if upload and getattr(upload, "filename", "") else None)
        except ImageRefused as refusal:
            form.photo.errors = [refusal.message]
        except FieldRefused as refusal:
            show_at_field(form, refusal)
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("admin.author_list"), code=303)
    return render_template("admin/author_form.html", form=form, author=author), 400 if form.errors else 200


@bp.post("/authors/<int:author_id>/delete")
@roles_allowed(OWNER, EDITOR)
def delete_author(author_id: int):
    check_buttons(ButtonForm())
    name = editing.delete_author(author_id, actor=current_actor())
    flash(f"{name} is deleted.", "success")
    return redirect(url_for("admin.author_list"), code=303)


# ---------------------------------------------------------------- topics

@bp.get("/topics")
@roles_allowed(OWNER, EDITOR)
def category_list():
    return render_template("admin/categories.html", categories=all_categories(), button_form=ButtonForm(formdata=None))


@bp.route("/topics/new", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
def new_category():
    return _category_page(None)


@bp.route("/topics/<int:category_id>/edit", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
def edit_category(category_id: int):
    return _category_page(category_id)


def _category_page(category_id: int | None):
    category = editing.category_for_staff(category_id) if category_id else None
    if request.method == "GET":
        form = CategoryForm(obj=category, position=str(category.position) if category else "0")
    else:
        form = CategoryForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            saved = editing.save_category(category_id, form.draft, actor=current_actor())
        except FieldRefused as refusal:
            show_at_field(form, refusal)
        else:
            flash(f"The topic {saved.name} is saved.", "success")
            return redirect(url_for("admin.category_list"), code=303)
    return render_template("admin/category_form.html", form=form, category=category), 400 if form.errors else 200


@bp.post("/topics/<int:category_id>/delete")
@roles_allowed(OWNER, EDITOR)
def delete_category(category_id: int):
    check_buttons(ButtonForm())
    name = editing.delete_category(category_id, actor=current_actor())
    flash(f"The topic {name} is deleted.", "success")
    return redirect(url_for("admin.category_list"), code=303)
