"""Upload forms and the counts form."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired, Optional

from tracker.domain.definitions import GROUPS, INDICATORS_BY_ID, SERIES_IDS
from tracker.domain.problems import quote
from tracker.forms import CountField, GovForm, LineField

GROUP_WORDS = {"gm": "global majority", "white": "white", "unknown": "unknown ethnicity"}
BAND_ROWS = 6


class ExtractsForm(GovForm):
    staff = FileField(
        "Staff extract", widget=GovFileInput(),
        description="CSV or a spreadsheet (.xlsx, .xlsm, .ods, .xls), one row per person employed in "
                    "the period",
        validators=[FileRequired(message="Select the staff extract")],
    )
    recruitment = FileField("Recruitment extract (optional)", widget=GovFileInput(),
                            description="One row per shortlisted applicant")
    survey = FileField("Survey extract (optional)", widget=GovFileInput(),
                       description="One row per respondent")
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class MappingFileForm(GovForm):
    mapping_file = FileField(
        "Mapping file", widget=GovFileInput(),
        description="A mapping file (JSON) as this page downloads it: it replaces the saved "
                    "mapping",
        validators=[FileRequired(message="Select the mapping file")],
    )
    submit = SubmitField("Upload the mapping file", widget=GovSubmitInput())


class CountsTemplateForm(GovForm):
    counts_file = FileField(
        "Counts template", widget=GovFileInput(),
        description="The filled-in counts template, as CSV or Excel (.xlsx)",
        validators=[FileRequired(message="Select the counts template")],
    )
    submit = SubmitField("Upload and check counts", widget=GovSubmitInput())


#: The counts form's layouts: one service area at a time, or adults and children side by side.
ONE_AREA, BY_AREA = "one", "by-area"
AREA_WORDS = {"adults": "adults", "children": "children"}


def series_field(sid: str, group: str, part: str, area: str | None = None) -> str:
    return f"{area + '_' if area else ''}{sid}_{group}_{part}"


def band_field(index: int, part: str, area: str | None = None) -> str:
    return f"{area + '_' if area and part != 'label' else ''}band{index}_{part}"


def _build_counts_form(layout: str) -> type[GovForm]:
    attrs: dict = {"submit": SubmitField("Check counts", widget=GovSubmitInput())}
    if layout == ONE_AREA:
        attrs["service_area"] = RadioField(
            "Which staff are these counts for?", widget=GovRadioInput(),
            choices=[("all", "All staff"), ("adults", "Adult social care only"),
                     ("children", "Children's social care only")],
            validators=[InputRequired(message="Select which staff the counts are for")],
        )
    areas: tuple[str | None, ...] = (None,) if layout == ONE_AREA else ("adults", "children")
    for area in areas:
        where = f", {AREA_WORDS[area]}" if area else ""
        for sid in SERIES_IDS:
            indicator = INDICATORS_BY_ID[sid]
            for group in GROUPS:
                words = GROUP_WORDS[group]
                attrs[series_field(sid, group, "numerator", area)] = CountField(
                    f"{sid} {words}{where}: {indicator.numerator_label}")
                attrs[series_field(sid, group, "denominator", area)] = CountField(
                    f"{sid} {words}{where}: {indicator.denominator_label}")
        for index in range(1, BAND_ROWS + 1):
            for group in GROUPS:
                attrs[band_field(index, group, area)] = CountField(
                    f"Pay band {index}{where}: {GROUP_WORDS[group]} staff in post")
    for index in range(1, BAND_ROWS + 1):
        attrs[band_field(index, "label")] = LineField(
            f"Pay band {index} name", max_length=60, widget=GovTextInput(), validators=[Optional()])
    return type("CountsForm" if layout == ONE_AREA else "CountsByAreaForm", (GovForm,), attrs)


CountsForm = _build_counts_form(ONE_AREA)
CountsByAreaForm = _build_counts_form(BY_AREA)


def form_areas(form: GovForm) -> list[tuple[str | None, str]]:
    """Return (field prefix, service area) for each area the form's boxes are for."""
    if "service_area" in form:
        return [(None, form.service_area.data)]
    return [("adults", "adults"), ("children", "children")]


def check_boxes(form: GovForm) -> bool:
    """Check what only the boxes together can say, putting each error on its box: a number
    given without its pair, a numerator larger than its denominator, a pay band without a name
    or counts, a band named twice, no counts at all. Return whether all is well."""
    given = False
    for prefix, area in form_areas(form):
        where = f", {AREA_WORDS[area]}" if prefix else ""
        given = _check_series(form, prefix, where) | given
        given = _check_band_counts(form, prefix, where) | given
    _check_band_names(form)
    if not given:
        first = series_field(SERIES_IDS[0], GROUPS[0], "numerator", form_areas(form)[0][0])
        _error(form, first, "Enter the counts of at least one indicator")
    return not any(field.errors for field in form)


def _error(form: GovForm, name: str, message: str) -> None:
    form[name].errors = [*form[name].errors, message]


def _check_series(form: GovForm, prefix: str | None, where: str) -> bool:
    given = False
    for sid in SERIES_IDS:
        indicator = INDICATORS_BY_ID[sid]
        over, under = quote(indicator.numerator_label), quote(indicator.denominator_label)
        for group in GROUPS:
            top = form[series_field(sid, group, "numerator", prefix)]
            bottom = form[series_field(sid, group, "denominator", prefix)]
            if top.errors or bottom.errors:
                given = True
                continue
            if top.data is None and bottom.data is None:
                continue
            given = True
            boxes = f"{sid}, {GROUP_WORDS[group]}{where}"
            if bottom.data is None:
                _error(form, bottom.name,
                       f"{boxes}: enter the box for {under} too, or clear the box for {over}")
            elif top.data is None:
                _error(form, top.name,
                       f"{boxes}: enter the box for {over} too, or clear the box for {under}")
            elif top.data > bottom.data:
                _error(form, top.name, f"{boxes}: the box for {over} ({top.data:,}) must not be "
                                       f"larger than the box for {under} ({bottom.data:,})")
    return given


def _check_band_counts(form: GovForm, prefix: str | None, where: str) -> bool:
    given = False
    for index in range(1, BAND_ROWS + 1):
        label_field = form[band_field(index, "label")]
        counts = [form[band_field(index, g, prefix)] for g in GROUPS]
        if not any(c.data is not None or c.errors for c in counts):
            continue
        given = True
        if not (label_field.data or "").strip() and not label_field.errors:
            _error(form, label_field.name,
                   f"Enter the name of pay band {index}, or clear its boxes")
        for group, box in zip(GROUPS, counts, strict=True):
            if box.data is None and not box.errors:
                _error(form, box.name, f"Enter the number of {GROUP_WORDS[group]} staff in "
                                       f"post in pay band {index}{where}, or 0")
    return given


def _check_band_names(form: GovForm) -> None:
    names: dict[str, int] = {}
    for index in range(1, BAND_ROWS + 1):
        label = (form[band_field(index, "label")].data or "").strip()
        if not label:
            continue
        if label.casefold() in names:
            _error(form, band_field(index, "label"),
                   f"Pay band {index} has the same name as pay band "
                   f"{names[label.casefold()]}: give each band once")
        names.setdefault(label.casefold(), index)
        if not any(form[band_field(index, g, prefix)].data is not None
                   for prefix, _ in form_areas(form) for g in GROUPS):
            _error(form, band_field(index, "label"),
                   f"Enter the staff in post of pay band {index} ({label}), or clear its name")


def counts_rows(form: GovForm) -> list[dict]:
    """Turn the counts form into the counts template's rows (blank boxes are left out)."""
    rows = []
    for prefix, area in form_areas(form):
        for sid in SERIES_IDS:
            for group in GROUPS:
                numerator = form[series_field(sid, group, "numerator", prefix)].data
                denominator = form[series_field(sid, group, "denominator", prefix)].data
                if numerator is None and denominator is None:
                    continue
                rows.append({"service_area": area, "indicator": sid, "band": "",
                             "group": group, "numerator": numerator,
                             "denominator": denominator})
        for index in range(1, BAND_ROWS + 1):
            label = (form[band_field(index, "label")].data or "").strip()
            values = [form[band_field(index, g, prefix)].data for g in GROUPS]
            if not label or all(v is None for v in values):
                continue  # (check_boxes has said what is missing)
            for group, value in zip(GROUPS, values, strict=True):
                rows.append({"service_area": area, "indicator": "SCW1", "band": label,
                             "group": group, "numerator": value, "denominator": None})
    return rows
