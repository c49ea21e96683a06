"""The owner's downloads for the accountant."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, stream_with_context

from shop.admin.access import OWNER, bp, roles_allowed
from shop.admin.forms import SalesExportForm
from shop.csv_export import csv_lines
from shop.orders.reports import SALES_COLUMNS, sales_lines


@bp.get("/reports/sales.csv")
@roles_allowed(OWNER)
def sales_csv():
    form = SalesExportForm(request.args)
    if not form.validate():
        return render_template("admin/sales_export.html", form=form), 400
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    since = datetime.combine(form.start.data, time.min, zone)
    until = datetime.combine(form.end.data + timedelta(days=1), time.min, zone)
    rows = sales_lines(since, until, current_app.config["SHOP_CURRENCY"], zone)
    filename = f"sales-{form.start.data:%Y-%m-%d}-to-{form.end.data:%Y-%m-%d}.csv"
    return Response(stream_with_context(csv_lines(SALES_COLUMNS, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
