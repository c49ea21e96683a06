"""The audit log (the owner's): every staff change, newest first, by person and object."""
from __future__ import annotations

from flask import abort, render_template, request

from shop.admin.access import OWNER, bp, roles_allowed
from shop.audit import services as audit
from shop.web import existing_page, requested_page


@bp.get("/audit")
@roles_allowed(OWNER)
def audit_log():
    person = request.args.get("person", "")[:320]
    kind = request.args.get("object_type", "")[:40]
    object_id = request.args.get("object_id", "").strip()[:64]
    people, kinds = audit.actors_in_log(), audit.object_types_in_log()
    if (person and person not in people) or (kind and kind not in kinds):
        abort(404)
    entries = audit.list_entries(requested_page(), actor_email=person or None, object_type=kind or None,
                                 object_id=object_id or None)
    args = {key: value for key, value in (("person", person), ("object_type", kind), ("object_id", object_id)) if value}
    return render_template("admin/audit.html", entries=existing_page(entries), people=people, kinds=kinds,
                           person=person, kind=kind, object_id=object_id, pagination_args=args)
