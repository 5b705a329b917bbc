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


def series_field(sid: str, group: str, part: str) -> str:
    return f"{sid}_{group}_{part}"


def band_field(index: int, part: str) -> str:
    return f"band{index}_{part}"


def _build_counts_form() -> type[GovForm]:
    attrs: dict = {
        "service_area": RadioField(
            "Which staff are these counts for?", widget=GovRadioInput(),
            choices=[("all", "All staff"), ("adults", "Adult social care only"),
                     ("children", "Children's social care only")],
            validators=[InputRequired(message="Select which staff the counts are for")],
        ),
        "submit": SubmitField("Check counts", widget=GovSubmitInput()),
    }
    for sid in SERIES_IDS:
        indicator = INDICATORS_BY_ID[sid]
        for group in GROUPS:
            words = GROUP_WORDS[group]
            attrs[series_field(sid, group, "numerator")] = CountField(
                f"{sid} {words}: {indicator.numerator_label}")
            attrs[series_field(sid, group, "denominator")] = CountField(
                f"{sid} {words}: {indicator.denominator_label}")
    for index in range(1, BAND_ROWS + 1):
        attrs[band_field(index, "label")] = LineField(
            f"Pay band {index} name", max_length=60, widget=GovTextInput(), validators=[Optional()])
        for group in GROUPS:
            attrs[band_field(index, group)] = CountField(
                f"Pay band {index}: {GROUP_WORDS[group]} staff in post")
    return type("CountsForm", (GovForm,), attrs)


CountsForm = _build_counts_form()


def counts_rows(form: GovForm) -> list[dict]:
    """Turn the counts form into the counts template's rows (blank boxes are left out)."""
    area = form.service_area.data
    rows = []
    for sid in SERIES_IDS:
        for group in GROUPS:
            numerator = form[series_field(sid, group, "numerator")].data
            denominator = form[series_field(sid, group, "denominator")].data
            if numerator is None and denominator is None:
                continue
            rows.append({"service_area": area, "indicator": sid, "band": "", "group": group,
                         "numerator": numerator, "denominator": denominator})
    for index in range(1, BAND_ROWS + 1):
        label = (form[band_field(index, "label")].data or "").strip()
        for group in GROUPS:
            value = form[band_field(index, group)].data
            if value is None and not label:
                continue
            rows.append({"service_area": area, "indicator": "SCW1", "band": label,
                         "group": group, "numerator": value, "denominator": None})
    return rows
