"""An organisation's commitments: read by everyone who may read it, kept by the EDI lead."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.commitments import bp
from tracker.commitments.forms import CommitmentForm, GoalForm, RemoveForm, TargetForm
from tracker.domain.commitments import label_after
from tracker.domain.definitions import SERVICE_AREA_LABELS, SERVICE_AREA_WORDS
from tracker.domain.roles import Capability
from tracker.forms import entered
from tracker.kept_pages import kept_page
from tracker.security import org_page
from tracker.services import commitments as commitment_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput
from tracker.services.versions import organisation_version
from tracker.web import apply_errors

COMMITMENT = "/<int:commitment_id>"
GOAL = COMMITMENT + "/goals/<int:goal_id>"
TARGET = GOAL + "/targets/<int:target_id>"


def _to_index(access: OrgAccess, anchor: str = ""):
    return redirect(url_for(".index", slug=access.organisation.slug) + anchor)


def _form_page(template: str, access: OrgAccess, form, **context):
    return render_template(template, access=access, slug=access.organisation.slug, form=form,
                           **context), 400 if form.errors else 200


@bp.get("")
@org_page(Capability.READ)
def index(access: OrgAccess):
    """Show the commitments, their goals and targets, and whether each target is on course."""
    # commitments, goals, targets and the figures they are judged on: all audited changes
    return kept_page(lambda: _index_page(access),
                     version=organisation_version(access.organisation.id))


def _index_page(access: OrgAccess):
    commitments = commitment_service.list_commitments(access=access)
    judged = commitment_service.judge_targets(
        access=access, targets=commitment_service.all_targets(commitments))
    return render_template("commitments/index.html", access=access, slug=access.organisation.slug,
                           commitments=commitments, judged=judged,
                           can_edit=access.can(Capability.EDIT_PLAN), area_words=SERVICE_AREA_WORDS,
                           indicator_name=commitment_service.indicator_name)


@bp.route("/new", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def new_commitment(access: OrgAccess):
    """Add a commitment."""
    form = CommitmentForm()
    if form.validate_on_submit():
        try:
            commitment = commitment_service.add_commitment(
                actor=current_user, access=access, title=entered(form.title.data),
                description=form.description.data or "")
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Commitment added: {commitment.title}", "success")
            return _to_index(access, f"#commitment-{commitment.id}")
    return _form_page("commitments/commitment_form.html", access, form, commitment=None)


@bp.route(COMMITMENT + "/edit", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def edit_commitment(access: OrgAccess, commitment_id: int):
    """Change a commitment's title and description."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    form = CommitmentForm(obj=commitment)
    if form.validate_on_submit():
        try:
            commitment_service.update_commitment(
                actor=current_user, access=access, commitment=commitment,
                title=entered(form.title.data), description=form.description.data or "")
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Commitment saved: {commitment.title}", "success")
            return _to_index(access, f"#commitment-{commitment.id}")
    return _form_page("commitments/commitment_form.html", access, form, commitment=commitment)


@bp.post(COMMITMENT + "/<any(up, down):direction>")
@org_page(Capability.EDIT_PLAN)
def move_commitment(access: OrgAccess, commitment_id: int, direction: str):
    """Move a commitment up or down the list."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    commitment_service.move_commitment(actor=current_user, access=access, commitment=commitment,
                                       direction=-1 if direction == "up" else 1)
    return _to_index(access, f"#commitment-{commitment.id}")


@bp.route(COMMITMENT + "/remove", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def remove_commitment(access: OrgAccess, commitment_id: int):
    """Ask, then remove a commitment with its goals and targets."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    form = RemoveForm()
    if form.validate_on_submit():
        commitment_service.remove_commitment(actor=current_user, access=access,
                                             commitment=commitment)
        flash(f"Commitment removed: {commitment.title}", "success")
        return _to_index(access)
    return _form_page("commitments/remove.html", access, form, what="commitment",
                      name=commitment.title, commitment=commitment,
                      also="Its goals and their targets are removed with it."
                      if commitment.goals else "")


def _goal_form(access: OrgAccess, goal=None) -> GoalForm:
    form = GoalForm(obj=goal)
    names = commitment_service.theme_choices(access=access)
    names += [name for name in (goal.themes if goal else []) if name not in names]
    form.themes.choices = [(name, name) for name in names]
    return form


@bp.route(COMMITMENT + "/goals/new", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def new_goal(access: OrgAccess, commitment_id: int):
    """Add a goal to a commitment."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    form = _goal_form(access)
    if form.validate_on_submit():
        try:
            goal = commitment_service.add_goal(actor=current_user, access=access,
                                               commitment=commitment,
                                               text=entered(form.text.data),
                                               themes=list(form.themes.data or []))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Goal added", "success")
            return _to_index(access, f"#goal-{goal.id}")
    return _form_page("commitments/goal_form.html", access, form, commitment=commitment,
                      goal=None)


@bp.route(GOAL + "/edit", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def edit_goal(access: OrgAccess, commitment_id: int, goal_id: int):
    """Change a goal's words and themes."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    goal = commitment_service.get_goal(access=access, commitment=commitment, goal_id=goal_id)
    form = _goal_form(access, goal)
    if form.validate_on_submit():
        try:
            commitment_service.update_goal(actor=current_user, access=access, goal=goal,
                                           text=entered(form.text.data),
                                           themes=list(form.themes.data or []))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Goal saved", "success")
            return _to_index(access, f"#goal-{goal.id}")
    return _form_page("commitments/goal_form.html", access, form, commitment=commitment,
                      goal=goal)


@bp.post(GOAL + "/<any(up, down):direction>")
@org_page(Capability.EDIT_PLAN)
def move_goal(access: OrgAccess, commitment_id: int, goal_id: int, direction: str):
    """Move a goal up or down within its commitment."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    goal = commitment_service.get_goal(access=access, commitment=commitment, goal_id=goal_id)
    commitment_service.move_goal(actor=current_user, access=access, goal=goal,
                                 direction=-1 if direction == "up" else 1)
    return _to_index(access, f"#goal-{goal.id}")


@bp.route(GOAL + "/remove", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def remove_goal(access: OrgAccess, commitment_id: int, goal_id: int):
    """Ask, then remove a goal with its targets."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    goal = commitment_service.get_goal(access=access, commitment=commitment, goal_id=goal_id)
    form = RemoveForm()
    if form.validate_on_submit():
        commitment_service.remove_goal(actor=current_user, access=access, goal=goal)
        flash("Goal removed", "success")
        return _to_index(access, f"#commitment-{commitment.id}")
    return _form_page("commitments/remove.html", access, form, what="goal", name=goal.text,
                      commitment=commitment,
                      also="Its targets are removed with it." if goal.targets else "")


def _target_form(access: OrgAccess, target=None) -> TargetForm:
    cycles = commitment_service.baseline_cycles(access=access)
    form = TargetForm(obj=target, data={
        "target": target.target_rl, "baseline_cycle": target.baseline_cycle.label}
        if target else {"baseline_cycle": cycles[0].label if cycles else "",
                        "by_cycle": label_after(cycles[0].label, 3) if cycles else ""})
    form.baseline_cycle.choices = [(c.label, c.label) for c in cycles]
    return form


def _target_values(form: TargetForm) -> dict:
    return {"indicator": form.indicator.data or "", "service_area": form.service_area.data or "",
            "by_cycle": entered(form.by_cycle.data),
            "baseline_cycle": form.baseline_cycle.data or ""}


@bp.route(GOAL + "/targets/new", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def new_target(access: OrgAccess, commitment_id: int, goal_id: int):
    """Give a goal an indicator target."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    goal = commitment_service.get_goal(access=access, commitment=commitment, goal_id=goal_id)
    form = _target_form(access)
    if form.validate_on_submit():
        try:
            commitment_service.add_target(actor=current_user, access=access, goal=goal,
                                          target=form.target.data, **_target_values(form))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Target added", "success")
            return _to_index(access, f"#goal-{goal.id}")
    return _form_page("commitments/target_form.html", access, form, commitment=commitment,
                      goal=goal, target=None, area_labels=SERVICE_AREA_LABELS)


@bp.route(TARGET + "/edit", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def edit_target(access: OrgAccess, commitment_id: int, goal_id: int, target_id: int):
    """Change an indicator target."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    goal = commitment_service.get_goal(access=access, commitment=commitment, goal_id=goal_id)
    target = commitment_service.get_target(access=access, goal=goal, target_id=target_id)
    form = _target_form(access, target)
    if form.validate_on_submit():
        try:
            commitment_service.update_target(actor=current_user, access=access, target=target,
                                             target_rl=form.target.data, **_target_values(form))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Target saved", "success")
            return _to_index(access, f"#goal-{goal.id}")
    return _form_page("commitments/target_form.html", access, form, commitment=commitment,
                      goal=goal, target=target, area_labels=SERVICE_AREA_LABELS)


@bp.route(TARGET + "/remove", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def remove_target(access: OrgAccess, commitment_id: int, goal_id: int, target_id: int):
    """Ask, then remove an indicator target."""
    commitment = commitment_service.get_commitment(access=access, commitment_id=commitment_id)
    goal = commitment_service.get_goal(access=access, commitment=commitment, goal_id=goal_id)
    target = commitment_service.get_target(access=access, goal=goal, target_id=target_id)
    form = RemoveForm()
    if form.validate_on_submit():
        commitment_service.remove_target(actor=current_user, access=access, target=target)
        flash("Target removed", "success")
        return _to_index(access, f"#goal-{goal.id}")
    return _form_page("commitments/remove.html", access, form, what="target",
                      name=commitment_service.target_words(target), commitment=commitment,
                      also="")
