"""An organisation's overview, reporting cycles and people."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.domain.roles import Capability, Role
from tracker.forms import entered
from tracker.kept_pages import kept_page
from tracker.orgs import bp
from tracker.orgs.forms import ROLE_HINTS, ConfirmForm, CycleForm, MembershipForm
from tracker.security import org_page
from tracker.services import auth as auth_service
from tracker.services import invitations as invitation_service
from tracker.services import organisations as org_service
from tracker.services import sharing as sharing_service
from tracker.services import users as user_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput
from tracker.services.versions import organisation_version
from tracker.web import apply_errors


@bp.get("")
@org_page(Capability.READ)
def overview(access: OrgAccess):
    """Show the organisation: its cycles and what the user may do."""
    # its details, cycles and the person's roles change only with audited changes
    return kept_page(lambda: render_template("orgs/overview.html", access=access,
                                             cycles=org_service.list_cycles(access=access)),
                     version=organisation_version(access.organisation.id))


@bp.route("/cycles/new", methods=["GET", "POST"])
@org_page(Capability.MANAGE_CYCLES)
def new_cycle(access: OrgAccess):
    """Add a reporting cycle."""
    if request.method == "GET":  # the empty form: it shows nothing that changes
        return kept_page(lambda: render_template("orgs/new_cycle.html", access=access,
                                                 form=CycleForm()),
                         version=organisation_version(access.organisation.id))
    form = CycleForm()
    if form.validate_on_submit():
        try:
            cycle = org_service.create_cycle(
                actor=current_user, access=access, label=entered(form.label.data),
                period_start=entered(form.period_start.data), period_end=entered(form.period_end.data),
                snapshot_date=entered(form.snapshot_date.data),
            )
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Cycle {cycle.label} added", "success")
            return redirect(url_for("orgs.overview", slug=access.organisation.slug))
    return render_template("orgs/new_cycle.html", access=access, form=form), \
        400 if form.errors else 200


@bp.route("/people", methods=["GET", "POST"])
@org_page(Capability.MANAGE_MEMBERS)
def members(access: OrgAccess):
    """List the organisation's people and invitations, and invite someone to a role."""
    invitations = invitation_service.pending(access=access, now=auth_service.now_utc())
    if request.method == "GET":
        # People and roles change with audited changes; the invitations waiting also when
        # one expires or is accepted: which they are is part of the key.
        return kept_page(lambda: _members_page(access, MembershipForm(), invitations),
                         version=organisation_version(access.organisation.id),
                         parts=tuple(invitation.id for invitation in invitations))
    form = MembershipForm()
    if form.validate_on_submit():
        try:
            invitation = invitation_service.invite(
                access=access, actor=current_user, email=entered(form.email.data),
                name=entered(form.name.data), role=Role(form.role.data), now=auth_service.now_utc(),
                days=current_app.config["INVITATION_DAYS"])
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"An invitation to join as {invitation.role.label.lower()} has been e-mailed "
                  f"to {invitation.email}. They are listed under People once they accept it.",
                  "success")
            return redirect(url_for("orgs.members", slug=access.organisation.slug))
    return _members_page(access, form, invitations)


def _members_page(access: OrgAccess, form: MembershipForm, invitations: list):
    return render_template("orgs/members.html", access=access, form=form,
                           memberships=user_service.organisation_members(access=access),
                           invitations=invitations, role_hints=ROLE_HINTS,
                           remove_form=ConfirmForm()), 400 if form.errors else 200


@bp.post("/people/invitations/<int:invitation_id>/withdraw")
@org_page(Capability.MANAGE_MEMBERS)
def withdraw_invitation(access: OrgAccess, invitation_id: int):
    """Withdraw an invitation nobody has accepted yet: its link stops working."""
    form = ConfirmForm()
    if form.validate_on_submit():
        invitation = invitation_service.withdraw(access=access, actor=current_user,
                                                 invitation_id=invitation_id, now=auth_service.now_utc())
        flash(f"The invitation to {invitation.email} has been withdrawn", "success")
    return redirect(url_for("orgs.members", slug=access.organisation.slug))


@bp.post("/people/<int:membership_id>/remove")
@org_page(Capability.MANAGE_MEMBERS)
def remove_member(access: OrgAccess, membership_id: int):
    """Take a role away from someone in the organisation."""
    form = ConfirmForm()
    membership = user_service.get_membership(organisation=access.organisation,
                                             membership_id=membership_id)
    if form.validate_on_submit():
        try:
            name, role = membership.user.name, membership.role.label.lower()
            user_service.remove_membership(actor=current_user, membership=membership)
        except InvalidInput as error:
            flash(error.errors["membership"], "info")
        else:
            flash(f"{name} is no longer {role}", "success")
    return redirect(url_for("orgs.members", slug=access.organisation.slug))


@bp.get("/sharing")
@org_page(Capability.MANAGE_MEMBERS)
def sharing(access: OrgAccess):
    """Show the advisory groups and which of them the organisation shares its plan with."""
    # the groups and their members are shared and audited; the sharing, under the organisation
    return kept_page(lambda: render_template(
        "orgs/sharing.html", access=access, confirm_form=ConfirmForm(),
        choices=sharing_service.sharing_choices(access=access)),
        version=organisation_version(access.organisation.id))


@bp.post("/sharing/<int:group_id>/<any(share, stop):change>")
@org_page(Capability.MANAGE_MEMBERS)
def change_sharing(access: OrgAccess, group_id: int, change: str):
    """Share the plan with an advisory group, or stop sharing with it."""
    if ConfirmForm().validate_on_submit():
        try:
            if change == "share":
                group = sharing_service.share(actor=current_user, access=access,
                                              group_id=group_id)
                flash(f"{access.organisation.name} now shares with {group.name}", "success")
            else:
                group = sharing_service.stop_sharing(actor=current_user, access=access,
                                                     group_id=group_id)
                flash(f"{access.organisation.name} no longer shares with {group.name}", "success")
        except InvalidInput as error:
            flash(next(iter(error.errors.values())), "info")
    return redirect(url_for("orgs.sharing", slug=access.organisation.slug))
