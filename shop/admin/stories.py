"""Stories: the queue of those shoppers send (publish or reject), and every story, which
staff write and edit with its consent record, photo, publishing and featuring."""
from __future__ import annotations

from datetime import datetime, time, timezone
from functools import partial

from flask import flash, redirect, render_template, request, url_for
from wtforms import SelectChoice

from shop.admin.access import EDITOR, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import StoryActionForm, StoryEditForm, check_buttons
from shop.media.services import ImageRefused, prepare_image
from shop.testimonials import services as stories
from shop.web import accepts_upload, existing_page, requested_page


@bp.get("/stories")
@roles_allowed(OWNER, EDITOR)
def story_queue():
    return render_template("admin/stories.html", stories=existing_page(stories.stories_to_review(requested_page())))


@bp.post("/stories/<int:story_id>/publish")
@roles_allowed(OWNER, EDITOR)
def publish_story(story_id: int):
    check_buttons(StoryActionForm())
    story = stories.publish_story(story_id, actor=current_actor())
    flash(f"{story.display_name}'s story is published.", "success")
    return redirect(url_for("admin.story_queue"), code=303)


@bp.post("/stories/<int:story_id>/reject")
@roles_allowed(OWNER, EDITOR)
def reject_story(story_id: int):
    check_buttons(StoryActionForm())
    name = stories.reject_story(story_id, actor=current_actor())
    flash(f"{name}'s story is rejected and deleted, with their email address.", "success")
    return redirect(url_for("admin.story_queue"), code=303)


# ---------------------------------------------------------------- every story: write, edit, publish, feature

def _draft(form: StoryEditForm) -> stories.StoryDraft:
    given = form.consent_given_at.data
    return stories.StoryDraft(
        headline=form.headline.data, display_name=form.display_name.data,
        time_since_stroke=form.time_since_stroke.data or "", condition=form.condition.data or "",
        quote=form.quote.data or "", story=form.story.data, product_slug=form.product.data or "",
        video_url=form.video_url.data or "", photo_alt=form.photo_alt.data or "",
        # A date is what staff know; noon UTC keeps it the same calendar day everywhere.
        consent_given_at=datetime.combine(given, time(12), tzinfo=timezone.utc) if given else None,
        consent_scope=form.consent_scope.data or "", consent_method=form.consent_method.data or "",
        disclosure=form.disclosure.data or "", illustrative=form.illustrative.data, featured=form.featured.data,
        position=form.position_number,
    )


def _story_form(story=None) -> StoryEditForm:
    if story is None:
        form = StoryEditForm() if request.method == "POST" else StoryEditForm(formdata=None, position="100")
    elif request.method == "POST":
        form = StoryEditForm()
    else:
        form = StoryEditForm(
            formdata=None, headline=story.headline, display_name=story.display_name,
            time_since_stroke=story.time_since_stroke, condition=story.condition, quote=story.quote, story=story.story,
            product=story.product.slug if story.product else "", video_url=story.video_url or "",
            photo_alt=story.photo_alt, consent_given_at=story.consent_given_at.date() if story.consent_given_at else None,
            consent_scope=story.consent_scope, consent_method=story.consent_method, disclosure=story.disclosure,
            illustrative=story.illustrative, featured=story.featured, position=str(story.position),
        )
    form.product.choices = [SelectChoice(value, label) for value, label in stories.story_product_choices()]
    return form


def _upload(form: StoryEditForm):
    """The photo staff chose, prepared by the pipeline, or None; ImageRefused goes to its field."""
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return prepare_image(upload.stream)


def _story_page(form: StoryEditForm, story, code: int = 200):
    return render_template("admin/story_form.html", form=form, story=story), code


@bp.get("/stories/all")
@roles_allowed(OWNER, EDITOR)
def story_list():
    return render_template("admin/story_list.html", stories=existing_page(stories.all_stories(requested_page())))


@bp.route("/stories/new", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def new_story():
    form = _story_form()
    if request.method == "GET" or not form.validate_on_submit():
        return _story_page(form, None, 400 if form.errors else 200)
    try:
        story = stories.create_story(_draft(form), photo=_upload(form), actor=current_actor())
    except ImageRefused as refusal:
        form.photo.errors = [refusal.message]
        return _story_page(form, None, 400)
    flash(f"The story “{story.headline}” is saved, not published yet.", "success")
    return redirect(url_for("admin.edit_story", story_id=story.id), code=303)


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def edit_story(story_id: int):
    story = stories.story_for_staff(story_id)
    form = _story_form(story)
    if request.method == "GET" or not form.validate_on_submit():
        return _story_page(form, story, 400 if form.errors else 200)
    try:
        story = stories.update_story(story_id, _draft(form), photo=_upload(form), remove_photo=form.remove_photo.data,
                                     actor=current_actor())
    except ImageRefused as refusal:
        form.photo.errors = [refusal.message]
        return _story_page(form, stories.story_for_staff(story_id), 400)
    flash(f"The story “{story.headline}” is saved.", "success")
    return redirect(url_for("admin.edit_story", story_id=story_id), code=303)


def _switch(story_id: int, change, done: str):
    check_buttons(StoryActionForm())
    story = change(story_id, actor=current_actor())
    flash(done.format(headline=story.headline), "success")
    return redirect(url_for("admin.edit_story", story_id=story_id), code=303)


@bp.post("/stories/<int:story_id>/put-on-site")
@roles_allowed(OWNER, EDITOR)
def put_story_on_site(story_id: int):
    return _switch(story_id, partial(stories.set_story_published, published=True), "“{headline}” is published.")


@bp.post("/stories/<int:story_id>/take-off-site")
@roles_allowed(OWNER, EDITOR)
def take_story_off_site(story_id: int):
    return _switch(story_id, partial(stories.set_story_published, published=False),
                   "“{headline}” is no longer on the site.")


@bp.post("/stories/<int:story_id>/feature")
@roles_allowed(OWNER, EDITOR)
def feature_story(story_id: int):
    return _switch(story_id, partial(stories.set_story_featured, featured=True), "“{headline}” is featured.")


@bp.post("/stories/<int:story_id>/unfeature")
@roles_allowed(OWNER, EDITOR)
def unfeature_story(story_id: int):
    return _switch(story_id, partial(stories.set_story_featured, featured=False), "“{headline}” is no longer featured.")
