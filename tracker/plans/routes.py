"""Action plans: themes, actions, progress, views, accountability, sign-off, spreadsheets."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.domain import paths
from tracker.domain.action_fields import FIELD_LABELS
from tracker.domain.comments import SubjectType
from tracker.domain.definitions import INDICATORS_BY_ID, SERVICE_AREA_LABELS
from tracker.domain.pages import PageOf, page_number
from tracker.domain.plans import (
    STATUS_TAG,
    ActionStatus,
    Intervention,
    progress_towards_target,
    suggested_interventions,
)
from tracker.domain.problems import ExtractValidationError
from tracker.domain.roles import Capability
from tracker.domain.wording import beside_rl
from tracker.forms import entered
from tracker.kept_pages import kept_page
from tracker.plans import bp, tables
from tracker.plans.forms import (
    ActionForm,
    ConfirmImportForm,
    FilterForm,
    ImportForm,
    LinkForm,
    ProgressForm,
    ReflectionForm,
    SignOffForm,
    ThemeForm,
)
from tracker.security import org_page
from tracker.services import actions as action_service
from tracker.services import feedback as feedback_service
from tracker.services import history as history_service
from tracker.services import library as library_service
from tracker.services import organisations as org_service
from tracker.services import plan_sheets as sheet_service
from tracker.services import plan_views
from tracker.services import plans as plan_service
from tracker.services import reflections as reflection_service
from tracker.services import reviews as review_service
from tracker.services import sign_off as sign_off_service
from tracker.services import threads as thread_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput, StaleEdit
from tracker.services.follows import is_following
from tracker.services.versions import organisation_version
from tracker.web import apply_errors, today

PLAN = paths.PLAN
View = TypeVar("View", bound=Callable[..., Any])


def _load(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    return cycle, plan_service.get_plan(access=access, cycle=cycle)


def _page(template: str, access: OrgAccess, cycle, plan, status: int = 200, **context):
    return render_template(template, access=access, cycle=cycle, plan=plan, today=today(),
                           slug=access.organisation.slug,
                           status_tag=STATUS_TAG, area_words=SERVICE_AREA_LABELS,
                           can_edit=access.can(Capability.EDIT_PLAN), **context), status


def kept(parts: Callable[..., Hashable] | None = None) -> Callable[[View], View]:
    """Keep the page each GET of the view writes, per version of the organisation's data.

    Every change a plan page shows (its actions, themes, links, progress, sign-offs, comments,
    results, the members and their names, the library) is audited, so the version moves with
    each (tracker/kept_pages.py). The key holds the person's roles here too (the version covers
    them; they cost nothing to read) and `parts(access, **arguments)`, the person's own state
    the page shows that is not audited. A POST (or with keeping off) runs the view as it is.
    """
    def decorate(view: View) -> View:
        @wraps(view)
        def keep(access: OrgAccess, **arguments: Any) -> Any:
            if request.method != "GET" or not current_app.config.get("KEPT_PAGES_MAX_BYTES", 0):
                return view(access, **arguments)  # nothing kept: nor the key read
            own = () if parts is None else (parts(access, **arguments),)
            return kept_page(lambda: view(access, **arguments),
                             version=organisation_version(access.organisation.id),
                             parts=(tuple(sorted(access.roles)), *own))
        return cast(View, keep)
    return decorate


def _following_action(access: OrgAccess, *, action_id: int, **_: Any) -> bool:
    """Whether the person follows the action (their own choice, not audited)."""
    return is_following(access=access, user=current_user, subject_type=SubjectType.ACTION,
                        subject_key=str(action_id))


def _to_action(access: OrgAccess, label: str, action_id: int):
    return redirect(url_for("plans.view_action", slug=access.organisation.slug, label=label,
                            action_id=action_id))


@bp.get(PLAN)
@org_page(Capability.READ)
@kept()
def by_theme(access: OrgAccess, label: str):
    """Show the plan by theme."""
    cycle, plan = _load(access, label)
    sign_off = sign_off_service.latest_sign_off(plan=plan)
    actions = action_service.plan_action_rows(access=access, plan=plan,
                                              signed_at=sign_off.signed_at if sign_off else None)
    by_theme: dict[int, list[action_service.ActionRow]] = {}
    for action in actions:
        by_theme.setdefault(action.theme_id, []).append(action)
    return _page("plans/by_theme.html", access, cycle, plan, actions_by_theme=by_theme,
                 action_table=tables.action_table,
                 themes=plan_service.themes(plan=plan), sign_off=sign_off,
                 changed_after_sign_off={a.id for a in actions if a.changed_after_sign_off})


@bp.get(PLAN + "/by-indicator")
@org_page(Capability.READ)
@kept()
def by_indicator(access: OrgAccess, label: str):
    """Show each indicator result with its rating and the actions linked to it."""
    cycle, plan = _load(access, label)
    actions = action_service.plan_action_rows(access=access, plan=plan)
    # every cycle's results, read once: this cycle's for the coverage, all for each area's bands
    cycles = review_service.cycles_with_results(access=access)
    rows = plan_views.coverage(access=access, plan=plan, actions=actions,
                               results=next(results for c, results in cycles if c.id == cycle.id))
    entries = library_service.interventions()
    suggestions = {row.indicator: suggested_interventions(row.indicator, entries)
                   for row in rows if row.uncovered}
    return _page("plans/by_indicator.html", access, cycle, plan, rows=rows, beside=beside_rl,
                 suggestions=suggestions, linked_actions=tables.linked_actions,
                 # each suggested intervention's "start an action from it" link, made once
                 start_from={entry.key: _start_from(access, cycle.label, entry.key)
                             for entries in suggestions.values() for entry in entries},
                 bands={area: review_service.pay_band_trend(access=access, area=area,
                                                            cycles=cycles)
                        for area in dict.fromkeys(row.service_area for row in rows)})


def _start_from(access: OrgAccess, label: str, key: str) -> str:
    """The link starting a new action from the intervention `key`."""
    arguments: dict[str, Any] = {"from": key}
    return url_for(".new_action", slug=access.organisation.slug, label=label, **arguments)


@bp.get(PLAN + "/actions")
@org_page(Capability.READ)
@kept()
def list_actions(access: OrgAccess, label: str):
    """List the actions, filtered and sorted."""
    cycle, plan = _load(access, label)
    form = _filter_form(access, plan)
    actions = action_service.plan_action_rows(access=access, plan=plan)
    filters = action_service.ActionFilters(
        owner_id=form.owner.data or None, status=form.status.data or None,
        theme_id=form.theme.data or None, indicator=form.indicator.data or None,
        service_area=form.area.data or None, overdue=bool(form.overdue.data),
        due_within=form.due_within.data if form.validate() else None,
        sort=form.sort.data or "due")
    shown = PageOf(action_service.filter_actions(actions, filters, today=today()),
                   page_number(request.args.get("page")))
    return _page("plans/actions.html", access, cycle, plan, form=form, actions=shown.items,
                 action_table=tables.action_table,
                 pagination=shown, total=len(actions))


@bp.get("/org/<slug>/actions")
@org_page(Capability.READ)
@kept()
def search_actions(access: OrgAccess):
    """Find actions by words across every cycle of the organisation."""
    text = request.args.get("q", "")[:200]
    found = action_service.search_actions(access=access, text=text,
                                          page=page_number(request.args.get("page")))
    return render_template("plans/search.html", access=access, slug=access.organisation.slug,
                           text=text, found=found, pagination=found.pagination, today=today(),
                           status_tag=STATUS_TAG)


def _filter_form(access: OrgAccess, plan) -> FilterForm:
    form = FilterForm(request.args)
    form.owner.choices = [(0, "Anyone")] + [
        (u.id, u.name) for u in action_service.possible_owners(access=access)]
    form.theme.choices = [(0, "Any theme")] + [(t.id, t.name) for t in
                                               plan_service.themes(plan=plan)]
    form.sort.choices = list(action_service.SORTS.items())
    return form


def _action_form(access: OrgAccess, plan, **kwargs) -> ActionForm:
    form = ActionForm(**kwargs)
    form.theme_id.choices = [(0, "Choose a theme")] + [
        (t.id, t.name) for t in plan_service.themes(plan=plan, include_retired=False)]
    form.owner_id.choices = [(0, "Choose the owner")] + [
        (u.id, u.name) for u in action_service.possible_owners(access=access)]
    return form


@bp.route(PLAN + "/actions/new", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
@kept()
def new_action(access: OrgAccess, label: str):
    """Add an action, optionally starting from the intervention library."""
    cycle, plan = _load(access, label)
    intervention: Intervention | None = None
    defaults: dict[str, Any] = {}
    if request.args.get("from"):
        intervention, defaults = action_service.intervention_defaults(plan=plan,
                                                                      key=request.args["from"])
    form = _action_form(access, plan, data=defaults or None)
    if form.validate_on_submit():
        try:
            action = action_service.create_action(actor=current_user, access=access, plan=plan,
                                                  values=form.values(), today=today())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Action added: {action.title}", "success")
            return _to_action(access, label, action.id)
    return _page("plans/action_form.html", access, cycle, plan, 400 if form.errors else 200,
                 form=form, action=None, intervention=intervention, conflict=None)


@bp.get(PLAN + "/library")
@org_page(Capability.EDIT_PLAN)
@kept()
def library(access: OrgAccess, label: str):
    """Show the interventions an action can start from, by theme."""
    cycle, plan = _load(access, label)
    indicator = request.args.get("indicator", "")
    entries = library_service.interventions()
    suggested = suggested_interventions(indicator, entries) if indicator in INDICATORS_BY_ID \
        else []
    return _page("plans/library.html", access, cycle, plan, interventions=entries,
                 indicator=indicator if suggested else "", suggested=suggested)


@bp.get(paths.ACTION)
@org_page(Capability.READ)
@kept(parts=_following_action)
def view_action(access: OrgAccess, label: str, action_id: int):
    """Show an action: its details, indicator links, progress and history."""
    cycle, plan = _load(access, label)
    action = action_service.get_action(access=access, plan=plan, action_id=action_id)
    return _action_page(access, cycle, plan, action, ProgressForm(occurred_on=today()), 200)


def _action_page(access: OrgAccess, cycle, plan, action, progress_form: ProgressForm,
                 status: int):
    chain = review_service.carry_chain(access=access, action=action)
    thread = thread_service.thread_for(access=access, user=current_user, subject_type="action",
                                       subject_key=str(action.id), cycle_label=cycle.label,
                                       cycle=cycle)
    return _page("plans/action.html", access, cycle, plan, status, action=action, chain=chain,
                 thread=thread,
                 history=history_service.describe_events(
                     action_service.action_history(access=access, action=action,
                                                   chain=[a.id for a, _ in chain]),
                     labels=FIELD_LABELS, only=action_service.HISTORY_FIELDS),
                 describe=action_service.describe_value,
                 can_update=action_service.can_update_progress(access, action, current_user),
                 link_form=LinkForm(), progress_form=progress_form,
                 form=progress_form if progress_form.errors else None,
                 outcomes=review_service.did_it_work(access=access, action=action, cycle=cycle),
                 progress=progress_towards_target(baseline=action.measure_baseline,
                                                  target=action.measure_target,
                                                  current=action.measure_current),
                 changed_after_sign_off=sign_off_service.changed_after_sign_off(
                     sign_off_service.latest_sign_off(plan=plan), [action]))


@bp.route(PLAN + "/actions/<int:action_id>/edit", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
@kept()
def edit_action(access: OrgAccess, label: str, action_id: int):
    """Edit an action; a stale edit is refused with what changed, keeping the input."""
    cycle, plan = _load(access, label)
    action = action_service.get_action(access=access, plan=plan, action_id=action_id)
    form = _action_form(access, plan, obj=action if request.method == "GET" else None)
    if request.method == "GET":
        form.status.data, form.version.data = action.status.value, str(action.version)
        form.seen_change.data = str(action_service.latest_change_id(action=action))
    conflict = None
    if form.validate_on_submit():
        version, seen_change = form.started_from()
        try:
            action_service.update_action(actor=current_user, access=access, plan=plan,
                                         action=action, values=form.values(), today=today(),
                                         expected_version=version, seen_change=seen_change)
        except StaleEdit as stale:
            conflict = stale.changed
            form.version.data = str(stale.current_version)
            form.seen_change.data = str(action_service.latest_change_id(action=action))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Action saved", "success")
            return _to_action(access, label, action.id)
    return _page("plans/action_form.html", access, cycle, plan,
                 409 if conflict else (400 if form.errors else 200),
                 form=form, action=action, intervention=None, conflict=conflict)


@bp.post(PLAN + "/actions/<int:action_id>/progress")
@org_page(Capability.READ)
def add_progress(access: OrgAccess, label: str, action_id: int):
    """Add a dated progress update (the owner or the EDI lead)."""
    cycle, plan = _load(access, label)
    action = action_service.get_action(access=access, plan=plan, action_id=action_id)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            action_service.add_progress(
                actor=current_user, access=access, action=action,
                occurred_on=entered(form.occurred_on.data), note=entered(form.note.data),
                new_status=form.new_status.data or None, measure_value=form.measure_value.data,
                evidence_links=form.links(), today=today())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash("Progress update added", "success")
            return _to_action(access, label, action.id)
    if not action_service.can_update_progress(access, action, current_user):
        abort(403)
    return _action_page(access, cycle, plan, action, form, 400)


@bp.post(PLAN + "/actions/<int:action_id>/links")
@org_page(Capability.EDIT_PLAN)
def add_link(access: OrgAccess, label: str, action_id: int):
    """Link the action to an indicator result, recording its value now as the baseline."""
    cycle, plan = _load(access, label)
    action = action_service.get_action(access=access, plan=plan, action_id=action_id)
    form = LinkForm()
    if form.validate_on_submit():
        try:
            if form.service_area.data == action_service.EVERY_AREA:
                links = action_service.link_everywhere(actor=current_user, access=access,
                                                       plan=plan, action=action,
                                                       indicator=form.indicator.data)
            else:
                links = [action_service.link_indicator(
                    actor=current_user, access=access, plan=plan, action=action,
                    indicator=form.indicator.data, service_area=form.service_area.data)]
            flash(f"Linked to {links[0].indicator} ("
                  + ", ".join(SERVICE_AREA_LABELS[link.service_area].lower() for link in links)
                  + ")", "success")
        except InvalidInput as error:
            flash(next(iter(error.errors.values())), "info")
    else:
        for messages in form.errors.values():  # a value not in the lists: say so, save nothing
            flash(messages[0], "info")
            break
    return _to_action(access, label, action.id)


@bp.post(PLAN + "/actions/<int:action_id>/links/<int:link_id>/remove")
@org_page(Capability.EDIT_PLAN)
def remove_link(access: OrgAccess, label: str, action_id: int, link_id: int):
    """Remove an indicator link."""
    cycle, plan = _load(access, label)
    action = action_service.get_action(access=access, plan=plan, action_id=action_id)
    action_service.unlink_indicator(actor=current_user, access=access, action=action,
                                    link_id=link_id)
    flash("Indicator link removed", "success")
    return _to_action(access, label, action.id)


@bp.route(PLAN + "/themes", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
@kept()
def manage_themes(access: OrgAccess, label: str):
    """Add, rename, reorder, retire and restore themes."""
    cycle, plan = _load(access, label)
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = plan_service.add_theme(actor=current_user, access=access, plan=plan,
                                           name=entered(form.name.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Theme added: {theme.name}", "success")
            return redirect(request.path)
    return _page("plans/themes.html", access, cycle, plan, 400 if form.errors else 200,
                 form=form, themes=plan_service.themes(plan=plan))


@bp.post(PLAN + "/themes/<int:theme_id>/<any(rename, up, down, retire, restore):change>")
@org_page(Capability.EDIT_PLAN)
def change_theme(access: OrgAccess, label: str, theme_id: int, change: str):
    """Rename, move, retire or restore one theme."""
    cycle, plan = _load(access, label)
    try:
        if change == "rename":
            plan_service.rename_theme(actor=current_user, access=access, plan=plan,
                                      theme_id=theme_id, name=request.form.get("name", ""))
        elif change in ("up", "down"):
            plan_service.move_theme(actor=current_user, access=access, plan=plan,
                                    theme_id=theme_id, direction=-1 if change == "up" else 1)
        else:
            plan_service.set_theme_retired(actor=current_user, access=access, plan=plan,
                                           theme_id=theme_id, retired=change == "retire")
    except InvalidInput as error:
        flash(next(iter(error.errors.values())), "info")
    return redirect(url_for(".manage_themes", slug=access.organisation.slug, label=label))


@bp.get(PLAN + "/accountability")
@org_page(Capability.READ)
@kept()
def accountability(access: OrgAccess, label: str):
    """Who is accountable for what: statuses, overdue, due soon, stale, uncovered indicators."""
    cycle, plan = _load(access, label)
    actions = action_service.plan_action_rows(access=access, plan=plan)
    table = plan_views.accountability_view(access=access, plan=plan, actions=actions,
                                           today=today())
    uncovered = [row for row in plan_views.coverage(access=access, plan=plan, actions=actions)
                 if row.uncovered]
    awaiting = feedback_service.awaiting_response(access=access, cycle=cycle, today=today())
    return _page("plans/accountability.html", access, cycle, plan, table=table,
                 uncovered=uncovered, statuses=list(ActionStatus), awaiting=awaiting,
                 sign_off=sign_off_service.latest_sign_off(plan=plan))


@bp.route(PLAN + "/sign-off", methods=["GET", "POST"])
@org_page(Capability.SIGN_OFF)
@kept()
def sign_off(access: OrgAccess, label: str):
    """Sign off the plan as it stands (senior sponsors)."""
    cycle, plan = _load(access, label)
    form = SignOffForm()
    if form.validate_on_submit():
        try:
            record = sign_off_service.sign_off_plan(
                actor=current_user, access=access, plan=plan,
                signer_role=entered(form.signer_role.data), statement=form.statement.data or "",
                warnings_seen=bool(form.warnings_seen.data))
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"You signed off the {cycle.label} plan", "success")
            return redirect(url_for(".view_sign_off", slug=access.organisation.slug,
                                    label=label, sign_off_id=record.id))
    actions = action_service.plan_action_rows(access=access, plan=plan)
    return _page("plans/sign_off.html", access, cycle, plan, 400 if form.errors else 200,
                 form=form, actions=actions,
                 warnings=sign_off_service.plan_warnings(access=access, plan=plan,
                                                         actions=actions),
                 history=sign_off_service.sign_offs(access=access, plan=plan))


@bp.get(PLAN + "/sign-offs/<int:sign_off_id>")
@org_page(Capability.READ)
def view_sign_off(access: OrgAccess, label: str, sign_off_id: int):
    """Show a signed-off version of the plan, as it stood."""
    cycle, plan = _load(access, label)
    record = sign_off_service.get_sign_off(access=access, plan=plan, sign_off_id=sign_off_id)
    return _page("plans/signed_version.html", access, cycle, plan, record=record)


@bp.get(PLAN + "/export.<any(csv, xlsx):fmt>")
@org_page(Capability.READ)
@kept()
def export_plan(access: OrgAccess, label: str, fmt: str):
    """Download the plan as CSV or Excel, in the columns the import reads."""
    cycle, plan = _load(access, label)
    body, mimetype = sheet_service.export_file(access=access, plan=plan, fmt=fmt)
    filename = f"{access.organisation.slug}-{cycle.label}-plan.{fmt}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route(PLAN + "/import", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
@kept()
def import_plan(access: OrgAccess, label: str):
    """Check a plan spreadsheet (every problem at once) and show what it would change."""
    cycle, plan = _load(access, label)
    form, problems = ImportForm(), []
    if form.validate_on_submit():
        upload = form.plan_file.data
        try:
            _, draft = sheet_service.preview_import(
                actor=current_user, access=access, plan=plan, data=upload.read(),
                filename=upload.filename, today=today())
        except ExtractValidationError as error:
            problems = error.problems
        else:
            return redirect(url_for(".review_import", slug=access.organisation.slug,
                                    label=label, draft_id=draft.id))
    return _page("plans/import.html", access, cycle, plan,
                 400 if (problems or form.errors) else 200, form=form, problems=problems)


@bp.route(PLAN + "/import/<int:draft_id>", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
def review_import(access: OrgAccess, label: str, draft_id: int):
    """Show what an import will add and change; confirming applies it."""
    cycle, plan = _load(access, label)
    draft = sheet_service.get_import(actor=current_user, access=access, plan=plan,
                                     draft_id=draft_id)
    if draft is None:  # applied already (Back after confirming), or replaced by a newer file
        flash("That import is closed: it was applied, or replaced by a newer file. This is "
              "the plan as it is now.", "info")
        return redirect(url_for(".by_theme", slug=access.organisation.slug, label=label))
    form, changed, problems, preview = ConfirmImportForm(), False, [], None
    try:
        preview = sheet_service.import_preview(access=access, plan=plan, draft=draft,
                                               today=today())
        form.overwrite_rows.choices = [(c.row, f"Row {c.row}: {c.title}")
                                       for c in preview.conflicts]
        if form.validate_on_submit():
            applied, preview = sheet_service.confirm_import(
                actor=current_user, access=access, plan=plan, draft=draft, today=today(),
                overwrite=form.overwrite())
            if applied:
                flash(f"Plan imported: {preview.summary}", "success")
                return redirect(url_for(".by_theme", slug=access.organisation.slug, label=label))
            changed = True  # shown with 200: the new preview is kept, to be confirmed
    except ExtractValidationError as error:
        preview, problems = None, error.problems
    except InvalidInput as error:  # the rows changed since the export need a choice
        apply_errors(form, error)
    except sheet_service.ImportClosed:
        flash("That import has already been applied. This is the plan as it is now.", "info")
        return redirect(url_for(".by_theme", slug=access.organisation.slug, label=label))
    return _page("plans/import_preview.html", access, cycle, plan,
                 400 if (problems or form.errors) else 200, form=form, preview=preview,
                 changed=changed, problems=problems, draft=draft)


@bp.route(PLAN + "/reflections/new", methods=["GET", "POST"])
@org_page(Capability.EDIT_PLAN)
@kept()
def new_reflection(access: OrgAccess, label: str):
    """Record a team's 3 A's discussion and turn its action lines into draft actions."""
    cycle, plan = _load(access, label)
    form = ReflectionForm()
    form.theme_id.choices = [(0, "Choose a theme")] + [
        (t.id, t.name) for t in plan_service.themes(plan=plan, include_retired=False)]
    if form.validate_on_submit():
        try:
            drafts = reflection_service.record_reflection(
                actor=current_user, access=access, plan=plan, team=entered(form.team.data),
                held_on=entered(form.held_on.data), awareness=entered(form.awareness.data),
                appreciation=entered(form.appreciation.data), actions_text=entered(form.actions_text.data),
                theme_id=form.theme_id.data, today=today())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            flash(f"Discussion saved with {len(drafts)} draft actions: give each an owner "
                  "and a due date", "success")
            return redirect(url_for(".by_theme", slug=access.organisation.slug, label=label))
    return _page("plans/reflection_form.html", access, cycle, plan, 400 if form.errors else 200,
                 form=form, reflections=reflection_service.reflections(access=access, plan=plan))
