"""Staff accounts (the owner's): create, change role, switch off and on. Switching off
ends that person's sessions at once. The work is in shop/accounts/services.py."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from shop.accounts import services as accounts
from shop.accounts.models import StaffRole
from shop.admin.access import OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import ButtonForm, NewStaffForm, RoleForm, check_buttons


def _list_page(form: NewStaffForm | None = None, code: int = 200):
    people = accounts.list_staff()
    return render_template(
        "admin/staff.html", people=people, form=form or NewStaffForm(formdata=None),
        role_forms={person.id: RoleForm(formdata=None, role=person.role.value, prefix=f"staff-{person.id}")
                    for person in people},
    ), code


@bp.get("/staff")
@roles_allowed(OWNER)
def staff_list():
    return _list_page()


@bp.post("/staff")
@roles_allowed(OWNER)
def new_staff():
    form = NewStaffForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        user = accounts.create_staff_user(form.email.data, form.name.data, form.password.data,
                                          StaffRole(form.role.data), actor=current_actor())
    except accounts.WeakPassword as weak:
        form.password.errors = [weak.message]
        return _list_page(form, 400)
    except accounts.StaffUserExists as exists:
        form.email.errors = [exists.message]
        return _list_page(form, 400)
    flash(f"{user.email} can now log in as {user.role.value}. Tell them their first password, and ask them to "
          "change it.", "success")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/staff/<int:user_id>/role")
@roles_allowed(OWNER)
def change_staff_role(user_id: int):
    form = RoleForm(prefix=f"staff-{user_id}")
    check_buttons(form)
    changed = accounts.set_role(user_id, StaffRole(form.role.data), actor=current_actor())
    flash("The role is changed." if changed else "That was already their role.", "success")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/staff/<int:user_id>/deactivate")
@roles_allowed(OWNER)
def deactivate_staff(user_id: int):
    check_buttons(ButtonForm())
    accounts.set_active(user_id, False, actor=current_actor())
    flash("The account is switched off, and its sessions have ended.", "success")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/staff/<int:user_id>/activate")
@roles_allowed(OWNER)
def activate_staff(user_id: int):
    check_buttons(ButtonForm())
    accounts.set_active(user_id, True, actor=current_actor())
    flash("The account is switched on again.", "success")
    return redirect(url_for("admin.staff_list"), code=303)
