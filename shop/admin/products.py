"""Products in the staff area: the list, new and edit forms (with a description preview),
stock adjustments, photos, switching off and deleting. The work is in shop/catalog/staff.py."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from shop.admin.access import EDITOR, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import AltTextForm, ButtonForm, PhotoForm, ProductForm, StockForm, check_buttons, show_at_field
from shop.catalog import staff as catalog
from shop.catalog.models import Product, StockReason
from shop.errors import FieldRefused
from shop.markup import render_markdown
from shop.media.services import ImageRefused
from shop.money import amount_for_input
from shop.web import accepts_upload, existing_page, requested_page

STATES = {"": "All products", "active": "On sale", "inactive": "Switched off"}
REASON_LABELS = {StockReason.RECEIVED: "Received", StockReason.DAMAGED: "Damaged",
                 StockReason.COUNT_CORRECTION: "Count correction"}


@bp.get("/products")
@roles_allowed(OWNER, EDITOR)
def product_list():
    search, state = request.args.get("q", "")[:100], request.args.get("state", "")
    if state not in STATES:
        abort(404)
    products = catalog.list_products_for_staff(requested_page(), search=search, state=state)
    args = {key: value for key, value in (("q", search), ("state", state)) if value}
    return render_template("admin/products.html", products=existing_page(products), search=search, state=state,
                           states=STATES, pagination_args=args, low_stock=Product.LOW_STOCK)


def _form_page(form: ProductForm, product: Product | None, code: int = 200, *, stock_form: StockForm | None = None,
               photo_form: PhotoForm | None = None, preview_html=None):
    return render_template(
        "admin/product_form.html", form=form, product=product, preview_html=preview_html,
        stock_form=stock_form or StockForm(formdata=None), photo_form=photo_form or PhotoForm(formdata=None),
        alt_forms={photo.id: AltTextForm(formdata=None, alt=photo.alt, prefix=f"photo-{photo.id}")
                   for photo in (product.images if product else [])},
        movements=catalog.recent_movements(product.id) if product else [],
        reason_labels=REASON_LABELS,
    ), code


@bp.route("/products/new", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
def new_product():
    form = ProductForm(active=True) if request.method == "GET" else ProductForm()
    if request.method == "GET":
        return _form_page(form, None)
    if form.preview.data:  # a preview saves nothing: the rest of the form need not be finished yet
        return _form_page(form, None, preview_html=render_markdown(form.description.data))
    if not form.validate_on_submit():
        return _form_page(form, None, 400)
    try:
        product = catalog.create_product(form.draft, actor=current_actor())
    except FieldRefused as refusal:
        show_at_field(form, refusal)
        return _form_page(form, None, 400)
    flash(f"The {product.name} is saved. Add its photos below.", "success")
    return redirect(url_for("admin.edit_product", product_id=product.id), code=303)


def _product_form_for(product: Product) -> ProductForm:
    currency = current_app.config["SHOP_CURRENCY"]
    return ProductForm(
        formdata=None, name=product.name, slug=product.slug, sku=product.sku, kind=product.kind.value,
        summary=product.summary, description=product.description,
        price=amount_for_input(product.price_cents, currency),
        compare_at_price="" if product.compare_at_cents is None else amount_for_input(product.compare_at_cents, currency),
        stock="" if product.stock is None else str(product.stock),
        stock_was="" if product.stock is None else str(product.stock),
        active=product.active, position=str(product.position),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
def edit_product(product_id: int):
    if request.method == "GET":
        product = catalog.product_for_staff(product_id)
        return _form_page(_product_form_for(product), product)
    form = ProductForm()
    if form.preview.data:
        return _form_page(form, catalog.product_for_staff(product_id),
                          preview_html=render_markdown(form.description.data))
    if not form.validate_on_submit():
        return _form_page(form, catalog.product_for_staff(product_id), 400)
    try:
        product = catalog.update_product(product_id, form.draft, stock_was=form.stock_seen, actor=current_actor())
    except FieldRefused as refusal:
        show_at_field(form, refusal)
        return _form_page(form, catalog.product_for_staff(product_id), 400)
    flash(f"The {product.name} is saved. The shop shows the change now.", "success")
    return redirect(url_for("admin.edit_product", product_id=product_id), code=303)


@bp.post("/products/<int:product_id>/stock")
@roles_allowed(OWNER, EDITOR)
def adjust_stock(product_id: int):
    form = StockForm()
    if not form.validate_on_submit():
        product = catalog.product_for_staff(product_id)
        return _form_page(_product_form_for(product), product, 400, stock_form=form)
    try:
        left = catalog.adjust_stock(product_id, form.amount, StockReason(form.reason.data), form.note.data or "",
                                    actor=current_actor())
    except FieldRefused as refusal:
        show_at_field(form, refusal)
        product = catalog.product_for_staff(product_id)
        return _form_page(_product_form_for(product), product, 400, stock_form=form)
    flash(f"Stock changed: {left} left to sell.", "success")
    return redirect(url_for("admin.edit_product", product_id=product_id, _anchor="stock"), code=303)


@bp.post("/products/<int:product_id>/photos")
@roles_allowed(OWNER, EDITOR)
@accepts_upload
def add_photo(product_id: int):
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            catalog.add_photo(product_id, form.image.data.stream, form.alt.data, actor=current_actor())
        except FieldRefused as refusal:
            show_at_field(form, refusal)
        except ImageRefused as refusal:
            form.image.errors = [*form.image.errors, refusal.message]
        else:
            flash("The photo is added.", "success")
            return redirect(url_for("admin.edit_product", product_id=product_id, _anchor="photos"), code=303)
    product = catalog.product_for_staff(product_id)
    return _form_page(_product_form_for(product), product, 400, photo_form=form)


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/alt")
@roles_allowed(OWNER, EDITOR)
def change_photo_alt(product_id: int, photo_id: int):
    form = AltTextForm(prefix=f"photo-{photo_id}")
    if not form.validate_on_submit():
        message = form.alt.errors[0] if form.alt.errors else None
        if message is None:
            abort(400)
        raise FieldRefused("alt", message)
    catalog.change_photo_alt(product_id, photo_id, form.alt.data, actor=current_actor())
    flash("The photo's description is saved.", "success")
    return redirect(url_for("admin.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/earlier")
@roles_allowed(OWNER, EDITOR)
def move_photo_earlier(product_id: int, photo_id: int):
    check_buttons(ButtonForm())
    catalog.move_photo(product_id, photo_id, -1, actor=current_actor())
    return redirect(url_for("admin.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/later")
@roles_allowed(OWNER, EDITOR)
def move_photo_later(product_id: int, photo_id: int):
    check_buttons(ButtonForm())
    catalog.move_photo(product_id, photo_id, 1, actor=current_actor())
    return redirect(url_for("admin.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/delete")
@roles_allowed(OWNER, EDITOR)
def delete_photo(product_id: int, photo_id: int):
    check_buttons(ButtonForm())
    catalog.delete_photo(product_id, photo_id, actor=current_actor())
    flash("The photo is deleted.", "success")
    return redirect(url_for("admin.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.post("/products/<int:product_id>/deactivate")
@roles_allowed(OWNER, EDITOR)
def deactivate_product(product_id: int):
    check_buttons(ButtonForm())
    product = catalog.set_product_active(product_id, False, actor=current_actor())
    flash(f"The {product.name} is switched off: shoppers no longer see it, and carts that hold it say so.", "success")
    return redirect(url_for("admin.edit_product", product_id=product_id), code=303)


@bp.post("/products/<int:product_id>/activate")
@roles_allowed(OWNER, EDITOR)
def activate_product(product_id: int):
    check_buttons(ButtonForm())
    product = catalog.set_product_active(product_id, True, actor=current_actor())
    flash(f"The {product.name} is on sale again.", "success")
    return redirect(url_for("admin.edit_product", product_id=product_id), code=303)


@bp.post("/products/<int:product_id>/delete")
@roles_allowed(OWNER, EDITOR)
def delete_product(product_id: int):
    check_buttons(ButtonForm())
    name = catalog.delete_product(product_id, actor=current_actor())
    flash(f"The {name} is deleted.", "success")
    return redirect(url_for("admin.product_list"), code=303)
