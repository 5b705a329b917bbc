"""A cycle's indicators: upload extracts or counts, preview, save, and the results page."""

from __future__ import annotations

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
from tracker.domain.comments import SubjectType
from tracker.domain.definitions import (
    EXTRACT_KINDS,
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREA_WORDS,
)
from tracker.domain.mappings import ColumnMapping
from tracker.domain.problems import ExtractValidationError
from tracker.domain.roles import Capability
from tracker.domain.upload_checks import CheckStatus
from tracker.domain.wording import GM_WHITE
from tracker.indicators import bp
from tracker.indicators import checking as _checking  # noqa: F401 - registers the job
from tracker.indicators import mapping as mapping_form
from tracker.indicators.forms import (
    BAND_ROWS,
    GROUP_WORDS,
    CountsByAreaForm,
    CountsForm,
    CountsTemplateForm,
    ExtractsForm,
    MappingFileForm,
    check_boxes,
    counts_rows,
)
from tracker.indicators.presenting import (
    chart_axis,
    chart_rows,
    download_template,
    figures_view,
)
from tracker.kept_pages import kept_page
from tracker.security import org_page, signed_in
from tracker.services import extract_mappings as mapping_service
from tracker.services import indicators as indicator_service
from tracker.services import national as national_service
from tracker.services import organisations as org_service
from tracker.services import threads as thread_service
from tracker.services import upload_checks as check_service
from tracker.services import uploads as upload_service
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput
from tracker.services.versions import organisation_version
from tracker.web import chart_response

CYCLE = paths.INDICATORS
COUNTS_SERIES = [(sid, INDICATORS_BY_ID[sid]) for sid in SERIES_IDS]


def _area(figures) -> str:
    area = request.args.get("area", "all")
    if area not in figures.results:
        area = figures.service_areas[0]
    return area


def _orientation() -> str:
    return "nhs" if request.args.get("orientation") == "nhs" else "gm-white"


@bp.get(CYCLE)
@org_page(Capability.READ)
def results(access: OrgAccess, label: str):
    """Show the cycle's indicators for one service area, with a chart and the figures.

    Kept per data version (the figures, comment counts, submission and national reports are
    all audited changes). A discussed indicator's thread is not kept: it shows whether you
    follow the result, and which result that is depends on the areas the figures have."""
    if request.args.get("discuss") in INDICATORS_BY_ID:
        return _results_page(access, label)
    return kept_page(lambda: _results_page(access, label),
                     version=organisation_version(access.organisation.id))


def _results_page(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    dataset = indicator_service.get_dataset(access=access, cycle=cycle)
    if dataset is None:
        return render_template("indicators/no_data.html", access=access, cycle=cycle)
    figures = indicator_service.dataset_figures(dataset, _orientation())
    area = _area(figures)
    discuss = request.args.get("discuss")
    discuss = discuss if discuss in INDICATORS_BY_ID else None
    thread = None if discuss is None else thread_service.thread_for(
        access=access, user=current_user, subject_type="indicator",
        subject_key=f"{discuss}:{area}", cycle_label=cycle.label, cycle=cycle)
    return render_template("indicators/results.html", access=access, cycle=cycle,
                           dataset=dataset, view=figures_view(figures, area, _orientation()),
                           orientation=_orientation(), discuss=discuss, thread=thread,
                           comment_counts=thread_service.comment_counts(
                               access=access, cycle=cycle, subject_type=SubjectType.INDICATOR),
                           national_position=national_service.council_position(
                               access=access, cycle=cycle, area=area, results=dataset.results),
                           funnel_indicator=request.args.get("funnel") if request.args.get(
                               "funnel") in SERIES_IDS else None)


@bp.get(CYCLE + "/chart.svg")
@org_page(Capability.READ)
def chart(access: OrgAccess, label: str):
    """Draw the cycle's relative likelihoods for one service area as SVG (kept per data
    version, as the results page)."""
    return kept_page(lambda: _chart(access, label),
                     version=organisation_version(access.organisation.id))


def _chart(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    dataset = indicator_service.get_dataset(access=access, cycle=cycle)
    if dataset is None:
        abort(404)
    figures = indicator_service.dataset_figures(dataset, _orientation())
    return _svg(figures, _area(figures), cycle.label, _orientation())


@bp.get(CYCLE + "/preview/<int:draft_id>/chart.svg")
@org_page(Capability.MANAGE_DATA)
def preview_chart(access: OrgAccess, label: str, draft_id: int):
    """Draw a draft's relative likelihoods as SVG."""
    cycle = org_service.get_cycle(access=access, label=label)
    draft = indicator_service.get_draft(actor=current_user, access=access, cycle=cycle,
                                        draft_id=draft_id)
    figures = indicator_service.draft_figures(draft)
    return _svg(figures, _area(figures), f"{cycle.label} (not saved)")


def _svg(figures, area: str, cycle_label: str, orientation: str = GM_WHITE) -> Response:
    from tracker.indicators.charts import relative_likelihood_chart

    return chart_response(
        relative_likelihood_chart, chart_rows(figures, area, orientation),
        title=f"Relative likelihoods, {SERVICE_AREA_WORDS[area]}, {cycle_label}",
        axis=chart_axis(orientation))


@bp.route(CYCLE + "/upload", methods=["GET", "POST"])
@org_page(Capability.MANAGE_DATA)
def upload(access: OrgAccess, label: str):
    """Upload the year's extracts (or a counts template) and check them before saving (the
    form is kept per data version: whether a mapping is saved is an audited change)."""
    if request.method == "GET":
        return kept_page(lambda: _upload(access, label),
                         version=organisation_version(access.organisation.id))
    return _upload(access, label)


def _upload(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    form, template_form = ExtractsForm(prefix="extracts"), CountsTemplateForm(prefix="counts")
    problems = []
    try:
        if form.submit.data and form.validate_on_submit():
            uploads = {kind: (form[kind].data.read(), form[kind].data.filename)
                       for kind in EXTRACT_KINDS if form[kind].data}
            if upload_service.in_background(uploads):  # a job checks it; a page shows progress
                check_service.start(actor=current_user, access=access, cycle=cycle,
                                    uploads=uploads)
                return redirect(url_for(".checking", slug=access.organisation.slug, label=label))
            check_service.forget(actor=current_user, access=access, cycle=cycle)
            saved = mapping_service.saved_mapping(access=access)
            try:
                draft = indicator_service.draft_from_extracts(
                    actor=current_user, access=access, cycle=cycle, uploads=uploads,
                    extra_mapping=_extra_mapping(), mapping=saved)
            except ExtractValidationError:
                examined = mapping_service.examine(access=access, uploads=uploads,
                                                   mapping=saved, extra_mapping=_extra_mapping())
                if not any(f.needs_mapping for f in examined.values()) or \
                        any(f.layout is None for f in examined.values()):
                    raise
                # Some headers or labels are not known: choose them on the mapping page.
                mapping_service.hold(actor=current_user, access=access, cycle=cycle,
                                     uploads=uploads)
                return redirect(url_for(".mapping", slug=access.organisation.slug, label=label))
            mapping_service.keep_for_preview(actor=current_user, access=access, cycle=cycle,
                                             draft=draft, uploads=uploads)
            return redirect(url_for(".preview", slug=access.organisation.slug, label=label,
                                    draft_id=draft.id))
        if template_form.submit.data and template_form.validate_on_submit():
            upload_file = template_form.counts_file.data
            draft = indicator_service.draft_from_counts_template(
                actor=current_user, access=access, cycle=cycle, data=upload_file.read(),
                filename=upload_file.filename)
            return redirect(url_for(".preview", slug=access.organisation.slug, label=label,
                                    draft_id=draft.id))
    except ExtractValidationError as error:
        problems = error.problems
    failed = bool(problems or form.errors or template_form.errors)
    return render_template("indicators/upload.html", access=access, cycle=cycle, form=form,
                           template_form=template_form, problems=problems,
                           has_mapping=bool(mapping_service.mapping_updated(access=access))
                           ), 400 if failed else 200


@bp.get(CYCLE + "/checking")
@org_page(Capability.MANAGE_DATA)
def checking(access: OrgAccess, label: str):
    """Where the check of a large upload stands; it turns into the preview once ready."""
    cycle = org_service.get_cycle(access=access, label=label)
    slug = access.organisation.slug
    state = check_service.current(actor=current_user, access=access, cycle=cycle)
    if state is None:
        flash("There is no upload being checked: upload the files to check them.", "info")
        return redirect(url_for(".upload", slug=slug, label=label))
    if state.status is CheckStatus.DONE and state.draft_id is not None:
        return redirect(url_for(".preview", slug=slug, label=label, draft_id=state.draft_id))
    if state.status is CheckStatus.DONE:
        return _preview_gone(access, cycle)
    if state.status is CheckStatus.MAPPING:
        return redirect(url_for(".mapping", slug=slug, label=label))
    return render_template("indicators/checking.html", access=access, cycle=cycle,
                           state=state, problems=state.problems)


def _extra_mapping():
    return current_app.extensions.get("ethnicity_mapping")


@bp.route(CYCLE + "/mapping", methods=["GET", "POST"])
@org_page(Capability.MANAGE_DATA)
def mapping(access: OrgAccess, label: str):
    """Choose the file's header for each column it lacks, and what its unknown labels mean;
    the choices are kept for the organisation, then the figures are checked."""
    cycle = org_service.get_cycle(access=access, label=label)
    slug = access.organisation.slug
    held = mapping_service.held(actor=current_user, access=access, cycle=cycle)
    if not held:
        flash("There is no upload waiting for a mapping: upload the files to check them.", "info")
        return redirect(url_for(".upload", slug=slug, label=label))
    uploads = {kind: (row.content, row.filename) for kind, row in held.items()}
    sheets = {kind: row.sheet for kind, row in held.items() if row.sheet}
    saved = mapping_service.saved_mapping(access=access)
    # a large file is not read again here: its check found what the page shows
    found = check_service.examined_for_mapping(actor=current_user, access=access, cycle=cycle)
    large = found is not None or upload_service.in_background(uploads)

    def examine(with_mapping):
        return found or mapping_service.examine(
            access=access, uploads=uploads, mapping=with_mapping,
            extra_mapping=_extra_mapping(), sheets=sheets)

    examined = examine(saved)
    form = request.form if request.method == "POST" else None
    choices = mapping_form.Choices()
    values_examined = examined
    if form is not None and form.get("action") == "sheet":
        chosen_sheets = {kind: form.get(mapping_form.sheet_field(kind)) for kind in held}
        mapping_service.choose_sheets(actor=current_user, access=access, cycle=cycle, sheets={
            kind: sheet for kind, sheet in chosen_sheets.items()
            if sheet and examined[kind].layout and sheet in examined[kind].layout.sheets})
        if large:  # the job reads the sheet chosen
            check_service.start_held(actor=current_user, access=access, cycle=cycle,
                                     uploads=uploads)
            return redirect(url_for(".checking", slug=slug, label=label))
        return redirect(url_for(".mapping", slug=slug, label=label))
    if form is not None:
        choices = mapping_form.read_columns(form, examined)
        values_examined = examine(saved.merged(choices.mapping))
        mapping_form.read_values(form, values_examined, choices)
        if not choices.errors:
            # a sheet chosen on this page is kept too, to be looked at first next time
            mapping_service.add_to_mapping(actor=current_user, access=access,
                                           choices=choices.mapping.merged(
                                               ColumnMapping(sheets=sheets)))
            if upload_service.in_background(uploads):  # a job computes the figures
                check_service.start_held(actor=current_user, access=access, cycle=cycle,
                                         uploads=uploads)
                flash("Your organisation's mapping has been saved: it is used for every upload "
                      "from now on.", "success")
                return redirect(url_for(".checking", slug=slug, label=label))
            try:
                draft = indicator_service.draft_from_extracts(
                    actor=current_user, access=access, cycle=cycle, uploads=uploads,
                    extra_mapping=_extra_mapping(), mapping=saved.merged(choices.mapping),
                    sheets=sheets)
            except ExtractValidationError:
                # The mapping is kept; the page says what is still wrong with the files.
                return redirect(url_for(".mapping", slug=slug, label=label))
            mapping_service.keep_for_preview(actor=current_user, access=access, cycle=cycle,
                                             draft=draft)
            flash("Your organisation's mapping has been saved: it is used for every upload "
                  "from now on.", "success")
            return redirect(url_for(".preview", slug=slug, label=label, draft_id=draft.id))
    problems = [p for f in examined.values() for p in f.problems]
    if not problems and not found and not any(f.needs_mapping for f in examined.values()):
        try:  # nothing left to map: say what else stops the files
            indicator_service.check_extracts(access=access, uploads=uploads,
                                             extra_mapping=_extra_mapping(), mapping=saved,
                                             sheets=sheets)
        except ExtractValidationError as error:
            problems = error.problems
    return render_template(
        "indicators/mapping.html", access=access, cycle=cycle, examined=examined,
        files=[(kind, file, mapping_form.column_items(kind, file, form))
               for kind, file in examined.items() if file.layout is not None],
        value_groups=mapping_form.value_items(values_examined, form),
        kind_words=mapping_form.KIND_WORDS, sheet_field=mapping_form.sheet_field,
        mapping_errors=choices.error_list(), problems=problems,
    ), 400 if choices.errors else 200


@bp.route("/org/<slug>/extract-mapping", methods=["GET", "POST"])
@org_page(Capability.MANAGE_DATA)
def organisation_mapping(access: OrgAccess):
    """The organisation's saved mapping: read it, download it, or upload a mapping file (kept
    per data version: every change to the mapping is audited)."""
    if request.method == "GET":
        return kept_page(lambda: _organisation_mapping(access),
                         version=organisation_version(access.organisation.id))
    return _organisation_mapping(access)


def _organisation_mapping(access: OrgAccess):
    form = MappingFileForm()
    problems = []
    if form.validate_on_submit():
        try:
            mapping_service.replace_mapping(actor=current_user, access=access,
                                            data=form.mapping_file.data.read(),
                                            filename=form.mapping_file.data.filename)
        except ExtractValidationError as error:
            problems = error.problems
        else:
            flash("The mapping file has been uploaded: it is used for every upload from now "
                  "on.", "success")
            return redirect(url_for(".organisation_mapping", slug=access.organisation.slug))
    saved = mapping_service.saved_mapping(access=access)
    return render_template(
        "indicators/organisation_mapping.html", access=access, form=form, problems=problems,
        rows=mapping_form.mapping_rows(saved),
        updated=mapping_service.mapping_updated(access=access),
    ), 400 if problems or form.errors else 200


@bp.get("/org/<slug>/extract-mapping.json")
@org_page(Capability.MANAGE_DATA)
def organisation_mapping_file(access: OrgAccess):
    """Download the saved mapping as the JSON file the command line's --mapping takes (kept
    per data version, as the mapping's page)."""
    return kept_page(lambda: Response(
        mapping_service.mapping_json(access=access), mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename="
                 f"{access.organisation.slug}-extract-mapping.json"}),
        version=organisation_version(access.organisation.id))


@bp.route(CYCLE + "/counts", methods=["GET", "POST"])
@org_page(Capability.MANAGE_DATA)
def counts(access: OrgAccess, label: str):
    """Type the counts into a form, for those who only have totals (the empty form is kept per
    data version: it shows only the cycle)."""
    if request.method == "GET":
        return kept_page(lambda: _counts(access, label),
                         version=organisation_version(access.organisation.id))
    return _counts(access, label)


def _counts(access: OrgAccess, label: str):
    cycle = org_service.get_cycle(access=access, label=label)
    by_area = request.args.get("by") == "area"
    form = CountsByAreaForm() if by_area else CountsForm()
    problems = []
    # Every box is checked, and then the boxes together, so that all errors show at once.
    if form.validate_on_submit() & (form.is_submitted() and check_boxes(form)):
        try:
            draft = indicator_service.draft_from_counts_rows(
                actor=current_user, access=access, cycle=cycle, rows=counts_rows(form))
        except ExtractValidationError as error:
            problems = error.problems
        else:
            return redirect(url_for(".preview", slug=access.organisation.slug, label=label,
                                    draft_id=draft.id))
    failed = bool(problems or form.errors)
    return render_template("indicators/counts.html", access=access, cycle=cycle, form=form,
                           problems=problems, band_rows=BAND_ROWS, series=COUNTS_SERIES,
                           groups=list(GROUP_WORDS.items()), by_area=by_area,
                           areas=[("adults", "Adults"), ("children", "Children")] if by_area
                           else [(None, None)]), 400 if failed else 200


@bp.route(CYCLE + "/preview/<int:draft_id>", methods=["GET", "POST"])
@org_page(Capability.MANAGE_DATA)
def preview(access: OrgAccess, label: str, draft_id: int):
    """Show the figures computed from an upload; saving them replaces the cycle's data."""
    cycle = org_service.get_cycle(access=access, label=label)
    if not indicator_service.draft_exists(actor=current_user, access=access, cycle=cycle,
                                          draft_id=draft_id):
        return _preview_gone(access, cycle)
    confirm_error = None
    if request.method == "POST":
        try:
            indicator_service.save_draft(actor=current_user, access=access, cycle=cycle,
                                         draft_id=draft_id,
                                         confirmed=request.form.get("confirmed") == "yes")
        except InvalidInput as error:
            confirm_error = error.errors["confirmed"]
        else:
            mapping_service.release(actor=current_user, access=access, cycle=cycle)
            check_service.forget(actor=current_user, access=access, cycle=cycle)
            flash(f"The {cycle.label} figures have been saved", "success")
            return redirect(url_for(".results", slug=access.organisation.slug, label=label))
    return _preview_page(access, cycle, draft_id, confirm_error=confirm_error)


def _preview_page(access: OrgAccess, cycle, draft_id: int, *, confirm_error=None,
                  sheet_errors=None, problems=()):
    draft = indicator_service.get_draft(actor=current_user, access=access, cycle=cycle,
                                        draft_id=draft_id)
    figures = indicator_service.draft_figures(draft)
    existing = indicator_service.get_dataset(access=access, cycle=cycle)
    failed = bool(confirm_error or sheet_errors or problems)
    return render_template(
        "indicators/preview.html", access=access, cycle=cycle, draft=draft,
        view=figures_view(figures, _area(figures)), existing=existing,
        confirm_error=confirm_error, sheet_errors=sheet_errors or {}, problems=list(problems),
        mapping_errors=[{"text": message, "href": f"#{name}"}
                        for name, message in (sheet_errors or {}).items()],
        sheet_choices=mapping_service.sheet_choices(actor=current_user, access=access,
                                                    cycle=cycle, draft=draft),
        sheet_field=mapping_form.sheet_field, kind_words=mapping_form.KIND_WORDS,
    ), 400 if failed else 200


@bp.post(CYCLE + "/preview/<int:draft_id>/sheet")
@org_page(Capability.MANAGE_DATA)
def preview_sheet(access: OrgAccess, label: str, draft_id: int):
    """Read a preview's workbook again from another of its sheets (nothing is saved)."""
    cycle = org_service.get_cycle(access=access, label=label)
    if not indicator_service.draft_exists(actor=current_user, access=access, cycle=cycle,
                                          draft_id=draft_id):
        return _preview_gone(access, cycle)
    draft = indicator_service.get_draft(actor=current_user, access=access, cycle=cycle,
                                        draft_id=draft_id)
    kind = request.form.get("kind", "")
    try:
        read = mapping_service.read_another_sheet(
            actor=current_user, access=access, cycle=cycle, draft=draft, kind=kind,
            sheet=request.form.get(mapping_form.sheet_field(kind), ""),
            extra_mapping=_extra_mapping())
    except InvalidInput as error:
        return _preview_page(access, cycle, draft_id, sheet_errors=error.errors)
    except ExtractValidationError as error:
        return _preview_page(access, cycle, draft_id, problems=error.problems)
    slug = access.organisation.slug
    if read.queued:
        return redirect(url_for(".checking", slug=slug, label=label))
    if read.draft is None:
        return redirect(url_for(".mapping", slug=slug, label=label))
    return redirect(url_for(".preview", slug=slug, label=label, draft_id=read.draft.id))


def _preview_gone(access: OrgAccess, cycle):
    """Back to a preview already saved (or replaced): show what is saved, never "not found"."""
    slug = access.organisation.slug
    if indicator_service.get_dataset(access=access, cycle=cycle) is not None:
        flash(f"That preview is closed: its figures were saved, or replaced by a later upload. "
              f"These are the {cycle.label} figures as saved now.", "info")
        return redirect(url_for(".results", slug=slug, label=cycle.label))
    flash("That preview is closed: upload the files again to check and save them.", "info")
    return redirect(url_for(".upload", slug=slug, label=cycle.label))


@bp.get("/data-templates/<kind>.<fmt>")
@signed_in
def template_file(kind: str, fmt: str):
    """Download a blank template for an extract or the counts, as CSV or XLSX."""
    return download_template(kind, fmt)
