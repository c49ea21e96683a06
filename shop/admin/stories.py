"""Stories shoppers send, waiting for a person to read them."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from shop.admin.access import EDITOR, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import StoryActionForm, check_buttons
from shop.testimonials import services as stories
from shop.web import existing_page, requested_page


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
