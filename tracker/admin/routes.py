"""Administration: organisations, accounts, memberships, advisory groups, audit trail."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.forms import (
    AdminMembershipForm,
    ConfirmForm,
    GroupForm,
    GroupMemberForm,
    GroupShareForm,
    LibraryForm,
    OrganisationForm,
    UserForm,
)
from tracker.domain.pages import page_number
from tracker.domain.roles import Role
from tracker.forms import entered
from tracker.kept_pages import kept_page
from tracker.security import admin_only
from tracker.services import audit as audit_service
from tracker.services import auth as auth_service
from tracker.services import groups as group_service
from tracker.services import history as history_service
from tracker.services import library as library_service
from tracker.services import organisations as org_service
from tracker.services import users as user_service
from tracker.services.errors import InvalidInput
from tracker.services.versions import everything_version
from tracker.web import apply_errors

LATEST_PER_PAGE = 20  # the menu comes first; the audit trail shows 50 a page


def _status(form) -> int:
    return 400 if form.errors else 200


@bp.get("")
@admin_only
def index():
    """Show the administration menu and the latest audit events, a page at a time."""
    return kept_page(lambda: _events_page("admin/index.html", per_page=LATEST_PER_PAGE),
                     version=everything_version())


@bp.get("/audit")
@admin_only
def audit():
    """Show the audit trail, newest first, a page at a time."""
    return kept_page(lambda: _events_page("admin/audit.html"), version=everything_version())


def _events_page(template: str, **per_page: int) -> str:
    # Every audit event moves a data version (services/audit.py): kept under the sum of them,
    # the trail is written again when, and only when, an event is added.
    pagination = audit_service.events_page(page=page_number(request.args.get("page")),
                                           **per_page)
    return render_template(template, pagination=pagination,
                           events=history_service.describe_events(pagination.items))


# Organisations -------------------------------------------------------------------------------


@bp.get("/organisations")
@admin_only
def organisations():
    """List organisations."""
    return kept_page(lambda: render_template("admin/organisations.html",
                                             organisations=org_service.list_organisations()),
                     version=everything_version())


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_only
def new_organisation():
    """Create an organisation."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = org_service.create_organisation(
                actor=current_user, name=entered(form.name.data), slug=entered(form.slug.data),
                kind=form.kind.data, ons_code=form.ons_code.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{org.name} created", "success")
            return redirect(url_for("admin.edit_organisation", organisation_id=org.id))
    return render_template("admin/organisation_form.html", form=form, organisation=None), \
        _status(form)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@admin_only
def edit_organisation(organisation_id: int):
    """Edit an organisation and see its memberships."""
    org = org_service.get_organisation(organisation_id=organisation_id)
    form = OrganisationForm(obj=org, kind=org.kind.value)
    if form.validate_on_submit():
        try:
            org_service.update_organisation(
                actor=current_user, organisation=org, name=entered(form.name.data),
                slug=entered(form.slug.data),
                kind=form.kind.data, ons_code=form.ons_code.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{org.name} saved", "success")
            return redirect(url_for("admin.edit_organisation", organisation_id=org.id))
    return render_template(
        "admin/organisation_form.html", form=form, organisation=org,
        memberships=user_service.all_memberships(organisation=org),
        membership_form=_membership_form(), confirm_form=ConfirmForm(),
        found=user_service.find_people(query=request.args.get("person", "")),
    ), _status(form)


def _membership_form() -> AdminMembershipForm:
    form = AdminMembershipForm(prefix="membership")
    form.role.choices = [(r.value, r.label) for r in Role]
    return form


def _searched_again(endpoint: str, **values):
    """Go back to the page with the search the form was sent from, to choose again."""
    return redirect(url_for(endpoint, **values, person=request.form.get("person") or None,
                            _anchor="choose-person"))


@bp.get("/people")
@admin_only
def find_people():
    """The active accounts matching ?q= as JSON, for the person search's suggestions."""
    group = group_service.get_group(group_id=int(request.args["group"])) \
        if request.args.get("group", "").isdigit() else None
    found = user_service.find_people(query=request.args.get("q", ""), not_in_group=group)
    return jsonify(people=[{"id": u.id, "name": u.name, "email": u.email,
                            "label": f"{u.name} ({u.email})"} for u in found.people],
                   more=found.more)


@bp.post("/organisations/<int:organisation_id>/memberships")
@admin_only
def add_membership(organisation_id: int):
    """Give a person a role in an organisation."""
    org = org_service.get_organisation(organisation_id=organisation_id)
    form = _membership_form()
    if form.validate_on_submit() and form.user_id.data:
        user = user_service.get_user(user_id=form.user_id.data)
        try:
            user_service.add_membership(actor=current_user, organisation=org, email=user.email,
                                        role=Role(form.role.data))
        except InvalidInput as error:
            flash(next(iter(error.errors.values())), "info")
        else:
            flash(f"{user.name} is now {Role(form.role.data).label.lower()} in {org.name}",
                  "success")
    else:
        flash("Select a person and a role", "info")
        return _searched_again("admin.edit_organisation", organisation_id=org.id)
    return redirect(url_for("admin.edit_organisation", organisation_id=org.id))


@bp.post("/organisations/<int:organisation_id>/memberships/<int:membership_id>/remove")
@admin_only
def remove_membership(organisation_id: int, membership_id: int):
    """Take a role away from a person."""
    org = org_service.get_organisation(organisation_id=organisation_id)
    membership = user_service.get_membership(organisation=org, membership_id=membership_id)
    try:
        user_service.remove_membership(actor=current_user, membership=membership)
    except InvalidInput as error:
        flash(error.errors["membership"], "info")
    else:
        flash("Role removed", "success")
    return redirect(url_for("admin.edit_organisation", organisation_id=org.id))


# Accounts ------------------------------------------------------------------------------------


@bp.get("/users")
@admin_only
def users():
    """List accounts, by name, a page at a time.

    Kept under the version of everything (names, memberships in every organisation, locks
    set); a lock ends with time, not with a change, so the soonest end of one in force is a
    part: when it has passed, the list is written again."""
    query = request.args.get("q", "")

    def render() -> str:
        pagination = user_service.users_page(page=page_number(request.args.get("page")),
                                             query=query)
        return render_template("admin/users.html", users=pagination.items,
                               pagination=pagination, query=query)

    return kept_page(render, version=everything_version(),
                     parts=user_service.next_unlock(now=auth_service.now_utc()))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    """Create an account and show a link for its owner to set a password."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = user_service.create_user(actor=current_user, email=entered(form.email.data),
                                            name=entered(form.name.data), is_admin=form.is_admin.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            return _show_password_link(user)
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    """Edit an account."""
    user = user_service.get_user(user_id=user_id)
    form = UserForm(obj=user, is_active=user.is_active_account)
    if form.validate_on_submit():
        try:
            user_service.update_user(actor=current_user, user=user, email=entered(form.email.data),
                                     name=entered(form.name.data), is_admin=form.is_admin.data,
                                     is_active=form.is_active.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{user.name} saved", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           confirm_form=ConfirmForm()), _status(form)


@bp.post("/users/<int:user_id>/password-link")
@admin_only
def issue_password_link(user_id: int):
    """Issue a single-use set-password link (also unlocks the account once used)."""
    return _show_password_link(user_service.get_user(user_id=user_id))


def _show_password_link(user):
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    token = auth_service.issue_password_link(actor=current_user, user=user,
                                             now=auth_service.now_utc(), hours=hours)
    link = url_for("auth.set_password", token=token, _external=True)
    return render_template("admin/password_link.html", user=user, link=link, hours=hours)


# Advisory groups -----------------------------------------------------------------------------


@bp.get("/groups")
@admin_only
def groups():
    """List advisory groups with their members and the organisations sharing with them."""
    return kept_page(lambda: render_template("admin/groups.html",
                                             groups=group_service.list_groups()),
                     version=everything_version())


@bp.route("/groups/new", methods=["GET", "POST"])
@admin_only
def new_group():
    """Create an advisory group."""
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = group_service.create_group(actor=current_user, name=entered(form.name.data),
                                               short_name=entered(form.short_name.data),
                                               description=form.description.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{group.name} created", "success")
            return redirect(url_for("admin.edit_group", group_id=group.id))
    return render_template("admin/group_form.html", form=form, group=None), _status(form)


def _group_forms(group):
    member_form = GroupMemberForm(prefix="member")
    share_form = GroupShareForm(prefix="share")
    shared = {s.organisation_id for s in group.shares}
    share_form.organisation_id.choices = [(0, "Choose an organisation")] + [
        (id_, name) for id_, name in org_service.organisation_names() if id_ not in shared]
    return member_form, share_form


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@admin_only
def edit_group(group_id: int):
    """Edit an advisory group, its members and the organisations sharing with it.

    Its page is kept under the version of everything (the group's members and the people
    found are people's names, the organisations to choose from every organisation's)."""
    return kept_page(lambda: _group_page(group_id), version=everything_version())


def _group_page(group_id: int):
    group = group_service.get_group(group_id=group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            group_service.update_group(actor=current_user, group=group, name=entered(form.name.data),
                                       short_name=entered(form.short_name.data),
                                       description=form.description.data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{group.name} saved", "success")
            return redirect(url_for("admin.edit_group", group_id=group.id))
    member_form, share_form = _group_forms(group)
    return render_template("admin/group_form.html", form=form, group=group,
                           member_form=member_form, share_form=share_form,
                           confirm_form=ConfirmForm(), found=user_service.find_people(
                               query=request.args.get("person", ""), not_in_group=group)),\
        _status(form)


@bp.post("/groups/<int:group_id>/members")
@admin_only
def add_group_member(group_id: int):
    """Add a member to an advisory group."""
    group = group_service.get_group(group_id=group_id)
    member_form, _ = _group_forms(group)
    if member_form.validate_on_submit() and member_form.user_id.data:
        user = user_service.get_user(user_id=member_form.user_id.data)
        try:
            group_service.add_group_member(actor=current_user, group=group, user=user)
        except InvalidInput as error:
            flash(next(iter(error.errors.values())), "info")
        else:
            flash(f"{user.name} added to {group.short_name}", "success")
    else:
        flash("Select a person to add", "info")
        return _searched_again("admin.edit_group", group_id=group.id)
    return redirect(url_for("admin.edit_group", group_id=group.id))


@bp.post("/groups/<int:group_id>/members/<int:member_id>/remove")
@admin_only
def remove_group_member(group_id: int, member_id: int):
    """Remove a member from an advisory group."""
    group = group_service.get_group(group_id=group_id)
    group_service.remove_group_member(actor=current_user, group=group, member_id=member_id)
    flash("Member removed", "success")
    return redirect(url_for("admin.edit_group", group_id=group.id))


@bp.post("/groups/<int:group_id>/shares")
@admin_only
def add_group_share(group_id: int):
    """Record that an organisation shares with this group."""
    group = group_service.get_group(group_id=group_id)
    _, share_form = _group_forms(group)
    if share_form.validate_on_submit() and share_form.organisation_id.data:
        org = org_service.get_organisation(organisation_id=share_form.organisation_id.data)
        group_service.share_with_group(actor=current_user, group=group, organisation=org)
        flash(f"{org.name} now shares with {group.short_name}", "success")
    else:
        flash("Select an organisation", "info")
    return redirect(url_for("admin.edit_group", group_id=group.id))


@bp.post("/groups/<int:group_id>/shares/<int:share_id>/remove")
@admin_only
def remove_group_share(group_id: int, share_id: int):
    """Stop an organisation sharing with this group."""
    group = group_service.get_group(group_id=group_id)
    group_service.stop_sharing(actor=current_user, group=group, share_id=share_id)
    flash("Sharing stopped", "success")
    return redirect(url_for("admin.edit_group", group_id=group.id))


@bp.get("/library")
@admin_only
def library():
    """List the intervention library, retired entries too, to change or add to it."""
    return render_template("admin/library.html",
                           entries=library_service.interventions(include_retired=True))


@bp.route("/library/new", methods=["GET", "POST"])
@bp.route("/library/<key>/edit", methods=["GET", "POST"])
@admin_only
def edit_library_entry(key: str | None = None):
    """Add an intervention to the library, or change or retire one."""
    entry = library_service.get(key=key) if key else None
    form = LibraryForm(data=dict(entry.__dict__, indicators=list(entry.indicators))
                       if entry and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            saved = library_service.save(actor=current_user, key=key, values=form.values())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"{saved.title} saved", "success")
            return redirect(url_for("admin.library"))
    return render_template("admin/library_form.html", form=form, entry=entry), _status(form)
