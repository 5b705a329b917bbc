"""No silently wrong figure: what looks wrong in a set of extracts, said before anything is saved.

Errors stop a file (see ``tracker.domain.extracts``: formulas without saved values, merged cells
in the data rows, a header twice). Warnings here let it through only once someone ticks "the
data is right"; they stay on the results page as data-quality notes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker.domain.definitions import STAFF, SURVEY
from tracker.domain.extracts import Extract

#: Below this share of known ethnicity a figure is doubtful (the ASC-WDS threshold).
DECLARATION_THRESHOLD = 0.90
#: More distinct pay bands than this looks like salaries in the pay-band column.
MOST_PAY_BANDS = 50
#: A staff file at least this long with no leaver is unlikely.
LEAVERS_EXPECTED_FROM = 100
#: A headcount further than this from the previous cycle's is worth checking.
HEADCOUNT_CHANGE = 0.30

#: A yes/no column -> the series it is the outcome (or population) of.
COLUMN_SERIES: dict[str, tuple[str, ...]] = {
    "senior_manager": ("SCW9",), "regulated_professional": ("SCW4",),
    "formal_disciplinary": ("SCW3",), "ftp_referral": ("SCW4",), "funded_cpd": ("SCW5",),
    "left_in_period": ("SCW8",), "appointed": ("SCW2",), "hba_public": ("SCW6",),
    "hba_colleagues": ("SCW7a",), "hba_managers": ("SCW7b",),
}
NOT_COLLECTED = "not-collected"


@dataclass(frozen=True)
class Warning:
    """Something that may make a figure wrong, placed where it applies."""

    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def to_dict(self) -> dict:
        """Return the CLI's shape: message, and file, sheet, row, column where they apply."""
        data = {"message": self.message}
        for key in ("file", "sheet", "row", "column"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


def not_collected(extracts: Mapping[str, Extract]) -> list[str]:
    """Return the series whose column was present but blank on every row."""
    series: list[str] = []
    for extract in extracts.values():
        for column in extract.blank_columns:
            series += [sid for sid in COLUMN_SERIES.get(column, ()) if sid not in series]
    return series


def extract_warnings(
    extracts: Mapping[str, Extract], *,
    previous_headcount: int | None = None,
    previous_files: Sequence[str] | Mapping[str, str | None] = (),
    fingerprints: Mapping[str, str] | None = None, previous_label: str | None = None,
) -> list[Warning]:
    """Return every warning about these extracts.

    ``previous_headcount`` is the staff count of the previous cycle's data (``previous_label``),
    if any; ``previous_files`` the fingerprints of the files behind the figures already saved
    (as a mapping: fingerprint -> the earlier cycle's label, None for this cycle) and
    ``fingerprints`` this upload's (kind -> fingerprint), to spot the same file loaded again.
    """
    earlier = previous_files if isinstance(previous_files, Mapping) else \
        dict.fromkeys(previous_files)
    warnings: list[Warning] = []
    for kind, extract in extracts.items():
        warnings += _file_warnings(kind, extract)
    if previous_headcount and STAFF in extracts:
        now = len(extracts[STAFF])
        change = abs(now - previous_headcount) / previous_headcount
        if change > HEADCOUNT_CHANGE:
            warnings.append(Warning(
                f"The staff file has {now:,} people, {change:.0%} different from the previous "
                f"cycle's {previous_headcount:,}"
                f"{f' ({previous_label})' if previous_label else ''}. Check that it covers the "
                "whole workforce", extracts[STAFF].filename))
    for kind, fingerprint in (fingerprints or {}).items():
        if fingerprint in earlier and kind in extracts:
            label = earlier[fingerprint]
            warnings.append(Warning(
                f"This is the same file as the one behind the {label} figures: is it this "
                "cycle's?" if label else
                "This is the same file as the one behind the figures already saved",
                extracts[kind].filename))
    return warnings


def _file_warnings(kind: str, extract: Extract) -> list[Warning]:
    warnings: list[Warning] = []
    sheet = extract.layout.sheet if extract.layout else None
    name = extract.filename

    def warn(message: str, column: str | None = None, name=name, sheet=sheet) -> None:
        warnings.append(Warning(message, name, sheet, None, column))

    for column in extract.blank_columns:
        header = extract.found.get(column, column)
        series = ", ".join(COLUMN_SERIES.get(column, ()))
        warn(f"Column '{header}' ({column}) is blank on every row, so {series} is shown "
             "as not collected, not as no events. If nobody had it, enter no", column)
    groups = extract.frame["ethnic_group"]
    known = int((groups != "unknown").sum())
    if known == 0:
        warn("Every ethnicity is unknown, so no indicator can be calculated. Check that "
             "the ethnicity column is the right one", "ethnicity")
    else:
        rate = known / len(extract)
        if rate < DECLARATION_THRESHOLD:
            warn(f"Ethnicity is known for {rate:.1%} of rows, below the "
                 f"{DECLARATION_THRESHOLD:.0%} that the ASC-WDS asks for: the figures may "
                 "not be representative",
                 "ethnicity")
        for group, words in (("gm", "global majority"), ("white", "white")):
            if not (groups == group).any():
                warn(f"There are no {words} people in the file, so no relative likelihood "
                     "can be calculated. Check the ethnicity mapping", "ethnicity")
    if kind == STAFF:
        used = len(set(extract.frame["pay_band"].cat.codes.tolist()))
        if used > MOST_PAY_BANDS:
            warn(f"The pay band column has {used:,} different values: is it salaries rather "
                 "than bands? SCW1 would have a band for each", "pay_band")
        if len(extract) >= LEAVERS_EXPECTED_FROM and "left_in_period" not in \
                extract.blank_columns and not extract.frame["left_in_period"].any():
            warn(f"Nobody left in the period among {len(extract):,} staff: check the "
                 "leaver column", "left_in_period")
    if kind == SURVEY:
        warnings += _survey_warnings(extract, warn)
    return warnings


def _survey_warnings(extract: Extract, warn) -> list[Warning]:
    for column in ("hba_public", "hba_colleagues", "hba_managers"):
        answers = extract.frame[column].dropna()
        if len(answers) and bool(answers.all()) and column not in extract.blank_columns:
            header = extract.found.get(column, column)
            warn(f"Every answer in column '{header}' is yes: an export holding only "
                 "ticked answers gives a wrong figure. Include the no answers", column)
    return []
