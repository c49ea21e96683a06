"""The newsletter's subscribers, for the owner: who they are, what each agreed to, the
confirmed list as a file, and erasing a person who asks."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for

from shop.admin.access import OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import ButtonForm, check_buttons
from shop.csv_export import csv_lines
from shop.extensions import db
from shop.newsletter import services
from shop.newsletter.models import Subscriber, SubscriberStatus
from shop.web import existing_page, requested_page

STATUS_FILTERS = [("", "Everyone")] + [(s.value, s.value.capitalize()) for s in SubscriberStatus]


@bp.get("/subscribers")
@roles_allowed(OWNER)
def subscriber_list():
    search = request.args.get("q", "").strip()[:320]
    status = request.args.get("status", "")
    if status not in dict(STATUS_FILTERS):
        abort(404)
    subscribers = services.list_subscribers(requested_page(), search=search,
                                            status=SubscriberStatus(status) if status else None)
    return render_template("admin/subscribers.html", subscribers=existing_page(subscribers), search=search,
                           status=status, filters=STATUS_FILTERS, consent_wording=services.consent_wording)


@bp.get("/subscribers.csv")
@roles_allowed(OWNER)
def subscribers_csv():
    return Response(stream_with_context(csv_lines(services.EXPORT_COLUMNS, services.confirmed_subscriber_rows())),
                    mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="subscribers.csv"'})


@bp.get("/subscribers/<int:subscriber_id>/erase")
@roles_allowed(OWNER)
def erase_subscriber_page(subscriber_id: int):
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise services.SubscriberNotFound()
    return render_template("admin/erase_subscriber.html", subscriber=subscriber, form=ButtonForm())


@bp.post("/subscribers/<int:subscriber_id>/erase")
@roles_allowed(OWNER)
def erase_subscriber(subscriber_id: int):
    check_buttons(ButtonForm())
    services.erase_subscriber(subscriber_id, actor=current_actor())
    flash("The subscriber is erased: their address is gone from the list and from our newsletter emails.", "success")
    return redirect(url_for("admin.subscriber_list"), code=303)
