from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from shop.caching import public_page
from shop.database import utcnow
from shop.extensions import limiter
from shop.same_origin import shopper_form
from shop.testimonials import services
from shop.testimonials.forms import StoryForm
from shop.web import existing_page, requested_page

bp = Blueprint("testimonials", __name__)

PER_PAGE = 12


@bp.get("/testimonials")
@public_page
def testimonial_list():
    product_slug = request.args.get("product", "", type=str)
    product = services.product_by_slug(product_slug) if product_slug else None
    testimonials = existing_page(services.list_testimonials(requested_page(), PER_PAGE, product))
    return render_template(
        "testimonials/list.html",
        testimonials=testimonials,
        product=product,
        filter_products=services.products_with_stories(),
    )


@bp.route("/testimonials/submit", methods=["GET", "POST"])
@public_page
@shopper_form
@limiter.limit("5 per hour", methods=["POST"])
def submit():
    form = StoryForm()
    form.product.choices = services.story_product_choices()
    if form.validate_on_submit():
        if not form.website.data:  # a filled honeypot is a bot: thank it and keep nothing
            services.submit_story(
                name=form.name.data, email=form.email.data, story=form.story.data,
                product_slug=form.product.data, time_since_stroke=form.time_since_stroke.data or "",
                now=utcnow(), staff_email=current_app.config["SHOP_SUPPORT_EMAIL"],
            )
        return redirect(url_for("testimonials.thanks"), code=303)
    return render_template("testimonials/submit.html", form=form), (400 if form.errors else 200)


@bp.get("/testimonials/thanks")
@public_page
def thanks():
    return render_template("testimonials/thanks.html")


@bp.get("/testimonials/<slug>")
@public_page
def testimonial_detail(slug: str):
    testimonial = services.get_testimonial(slug)
    # The player loads only after the reader asks for it: no third-party request before then.
    play = request.args.get("play") == "1" and testimonial.video is not None
    return render_template("testimonials/detail.html", testimonial=testimonial, play_video=play)
