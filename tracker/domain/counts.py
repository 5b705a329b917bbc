"""Hold the counts behind the indicators: all the web app stores (never person rows).

A ``Counts`` is for one service area ("all", "adults" or "children"). For each relative-likelihood
series (SCW2 ... SCW9) it has a numerator and a denominator for gm, white and unknown; for SCW1 the
staff in post by pay band and group; the declaration counts (known, total) of each extract; and
which extracts were provided. ``to_dict`` / ``from_dict`` round-trip it exactly through JSON.

Counts come from the checked extracts (``counts_from_extracts``) or from totals typed into a form
or a counts template (``counts_from_rows``, ``read_counts_template``).

Counts template
---------------
One sheet (CSV or XLSX), one row per count, columns (any order, headers case-insensitive)::

    service_area  indicator  band    group    numerator  denominator
    adults        SCW1       <30k    gm       120
    adults        SCW1       <30k    white    410
    adults        SCW2               gm       15         102
    adults        SCW2               white    47         100

- ``service_area``: ``all``, ``adults`` or ``children``. Give either ``all`` or adults and/or
  children, not both. With adults and children, "all" is their sum; with only ``all``, only
  "all" exists.
- ``indicator``: SCW1, SCW2, SCW3, SCW4, SCW5, SCW6, SCW7a, SCW7b, SCW8 or SCW9.
- ``group``: ``gm`` (or ``global majority``), ``white`` or ``unknown``.
- SCW1: ``band`` is the pay band, ``numerator`` the staff in post in that band and group, and
  ``denominator`` is left blank. Other indicators: ``band`` is blank; ``numerator`` and
  ``denominator`` are whole numbers with the numerator no larger than the denominator (SCW9:
  senior managers among staff in post).
- A row whose numerator and denominator are both blank is skipped (an unfilled template row); a
  group or indicator not given counts as 0, so its indicator shows "no-data".
- An extract counts as provided when any of its indicators has a row. Declaration counts come from
  one series per extract: staff from SCW3 (else SCW5, SCW8, the SCW1 bands, SCW9), recruitment from
  SCW2, survey from whichever of SCW6, SCW7a and SCW7b has the most people answering.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, cast

import numpy as np
import pandas as pd

from tracker.domain.definitions import (
    ALL,
    EXTRACT_KINDS,
    GM,
    GROUPS,
    INDICATORS_BY_ID,
    RECRUITMENT,
    ROW_SERVICE_AREAS,
    SERIES_IDS,
    SERVICE_AREAS,
    STAFF,
    SURVEY,
    UNKNOWN,
    WHITE,
)
from tracker.domain.extracts import Extract
from tracker.domain.problems import ExtractValidationError, Problem, describe_rows, quote
from tracker.domain.tabular import DEFAULT_LIMITS, Limits, fold, read_columns
from tracker.domain.values import ValueRejected, parse_count

COUNTS_VERSION = 1
TEMPLATE_COLUMNS: tuple[str, ...] = (
    "service_area", "indicator", "band", "group", "numerator", "denominator"
)
#: The wide layout a spreadsheet tool gives: one row per indicator (and band), groups across.
WIDE_COLUMNS: tuple[str, ...] = (
    "service_area", "indicator", "band",
    *(f"{group}_{part}" for group in GROUPS for part in ("numerator", "denominator")),
)
_GROUP_SPELLINGS = {"gm": ("gm", "global majority", "bme", "ethnic minority"),
                    "white": ("white",), "unknown": ("unknown", "unknown ethnicity", "not known")}
WIDE_SPELLINGS: dict[str, str] = {
    f"{word}{separator}{part}": f"{group}_{part}"
    for group, words in _GROUP_SPELLINGS.items() for word in words
    for part in ("numerator", "denominator") for separator in (" ", " - ", ": ", "_")
}


@dataclass(frozen=True)
class Tally:
    """A numerator out of a denominator, for one ethnic group."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        for name in ("numerator", "denominator"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{name} must be a whole number, not {value!r}")
            object.__setattr__(self, name, int(value))
        if self.numerator < 0 or self.denominator < 0:
            raise ValueError("counts cannot be negative")
        if self.numerator > self.denominator:
            raise ValueError(
                f"numerator {self.numerator} is larger than denominator {self.denominator}"
            )

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.numerator + other.numerator, self.denominator + other.denominator)

    def to_dict(self) -> dict[str, int]:
        """Return {"numerator": n, "denominator": n}."""
        return {"numerator": self.numerator, "denominator": self.denominator}


EMPTY = Tally(0, 0)


@dataclass(frozen=True)
class SeriesCounts:
    """The tallies of one relative-likelihood series for gm, white and unknown."""

    gm: Tally = EMPTY
    white: Tally = EMPTY
    unknown: Tally = EMPTY

    def __add__(self, other: SeriesCounts) -> SeriesCounts:
        return SeriesCounts(self.gm + other.gm, self.white + other.white,
                            self.unknown + other.unknown)

    def group(self, name: str) -> Tally:
        """Return the tally of gm, white or unknown."""
        if name not in GROUPS:
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, dict[str, int]]:
        """Return {"gm": {...}, "white": {...}, "unknown": {...}}."""
        return {g: self.group(g).to_dict() for g in GROUPS}


@dataclass(frozen=True)
class BandCounts:
    """Staff in post in one pay band, by group (SCW1)."""

    label: str
    gm: int = 0
    white: int = 0
    unknown: int = 0

    def __post_init__(self) -> None:
        for name in GROUPS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"band {self.label!r}: {name} must be a whole number >= 0")
            object.__setattr__(self, name, int(value))

    @property
    def total(self) -> int:
        """Return everyone in the band, unknown ethnicity included."""
        return self.gm + self.white + self.unknown

    def to_dict(self) -> dict[str, object]:
        """Return {"label": ..., "gm": n, "white": n, "unknown": n}."""
        return {"label": self.label, "gm": self.gm, "white": self.white, "unknown": self.unknown}


@dataclass(frozen=True)
class Declaration:
    """How many people in an extract had a known ethnicity, out of all of them."""

    known: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        Tally(self.known, self.total)  # same rules: whole numbers, 0 <= known <= total
        object.__setattr__(self, "known", int(self.known))
        object.__setattr__(self, "total", int(self.total))

    @property
    def rate(self) -> float | None:
        """Return known / total, or None when there is nobody."""
        return self.known / self.total if self.total else None

    def __add__(self, other: Declaration) -> Declaration:
        return Declaration(self.known + other.known, self.total + other.total)


@dataclass(frozen=True)
class Counts:
    """Every count the indicators of one service area need.

    ``series`` always holds all nine relative-likelihood series and ``declaration`` all three
    extracts (zeros where nothing was given); ``provided`` says which extracts the counts really
    came from.
    """

    service_area: str
    provided: frozenset[str] = frozenset()
    series: Mapping[str, SeriesCounts] = field(default_factory=dict)
    bands: tuple[BandCounts, ...] = ()
    declaration: Mapping[str, Declaration] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.service_area not in SERVICE_AREAS:
            raise ValueError(f"service area must be one of {SERVICE_AREAS}")
        provided = frozenset(self.provided)
        if not provided <= set(EXTRACT_KINDS):
            raise ValueError(f"provided extracts must be among {EXTRACT_KINDS}")
        unknown_series = set(self.series) - set(SERIES_IDS)
        if unknown_series:
            raise ValueError(f"unknown series: {sorted(unknown_series)}")
        unknown_kinds = set(self.declaration) - set(EXTRACT_KINDS)
        if unknown_kinds:
            raise ValueError(f"unknown extracts: {sorted(unknown_kinds)}")
        labels = [band.label for band in self.bands]
        if len(set(labels)) != len(labels):
            raise ValueError("pay band labels must be unique")
        series = {sid: self.series.get(sid, SeriesCounts()) for sid in SERIES_IDS}
        declaration = {kind: self.declaration.get(kind, Declaration()) for kind in EXTRACT_KINDS}
        object.__setattr__(self, "provided", provided)
        object.__setattr__(self, "bands", tuple(self.bands))
        object.__setattr__(self, "series", MappingProxyType(series))
        object.__setattr__(self, "declaration", MappingProxyType(declaration))

    def combine(self, other: Counts, service_area: str = ALL) -> Counts:
        """Add two service areas' counts (adults + children = all); bands keep first-seen order."""
        bands: dict[str, BandCounts] = {b.label: b for b in self.bands}
        for band in other.bands:
            mine = bands.get(band.label, BandCounts(band.label))
            bands[band.label] = BandCounts(
                band.label, mine.gm + band.gm, mine.white + band.white,
                mine.unknown + band.unknown,
            )
        return Counts(
            service_area=service_area,
            provided=self.provided | other.provided,
            series={sid: self.series[sid] + other.series[sid] for sid in SERIES_IDS},
            bands=tuple(bands.values()),
            declaration={k: self.declaration[k] + other.declaration[k] for k in EXTRACT_KINDS},
        )

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict that ``from_dict`` turns back into equal counts."""
        return {
            "version": COUNTS_VERSION,
            "service_area": self.service_area,
            "provided": [kind for kind in EXTRACT_KINDS if kind in self.provided],
            "declaration": {
                kind: {"known": d.known, "total": d.total} for kind, d in self.declaration.items()
            },
            "series": {sid: s.to_dict() for sid, s in self.series.items()},
            "bands": [band.to_dict() for band in self.bands],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Counts:
        """Rebuild counts from ``to_dict`` output; raise ``ValueError`` when it is malformed."""
        try:
            if data.get("version") != COUNTS_VERSION:
                raise ValueError(f"unsupported counts version {data.get('version')!r}")
            series = {
                sid: SeriesCounts(**{
                    g: Tally(tally["numerator"], tally["denominator"])
                    for g, tally in groups.items()
                })
                for sid, groups in data["series"].items()
            }
            return cls(
                service_area=data["service_area"],
                provided=frozenset(data["provided"]),
                series=series,
                bands=tuple(
                    BandCounts(b["label"], b["gm"], b["white"], b["unknown"])
                    for b in data["bands"]
                ),
                declaration={
                    kind: Declaration(d["known"], d["total"])
                    for kind, d in data["declaration"].items()
                },
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"malformed counts: {error!r}") from None


# -- counts from extracts -------------------------------------------------------------------

_CELLS = len(ROW_SERVICE_AREAS) * len(GROUPS)  # (service area, group) pairs


def counts_from_extracts(
    *,
    staff: Extract | None = None,
    recruitment: Extract | None = None,
    survey: Extract | None = None,
) -> dict[str, Counts]:
    """Count the checked extracts for "all", "adults" and "children" ("all" = adults + children)."""
    given = {STAFF: staff, RECRUITMENT: recruitment, SURVEY: survey}
    for kind, extract in given.items():
        if extract is not None and extract.kind != kind:
            raise ValueError(f"{kind}= was given a {extract.kind} extract")
    # Per (service area, group) cell: numerator and denominator of each series.
    numerators: dict[str, np.ndarray] = {}
    denominators: dict[str, np.ndarray] = {}
    declared: dict[str, np.ndarray] = {}
    band_labels: list[str] = []
    band_table = np.zeros((len(ROW_SERVICE_AREAS), len(GROUPS), 0), dtype=np.int64)

    if staff is not None:
        cell = _cells(staff)
        f = staff.frame
        everyone = np.ones(len(f), dtype=bool)
        in_post = ~f["left_in_period"].to_numpy()
        regulated = f["regulated_professional"].to_numpy()
        for sid, base, event in (
            ("SCW3", everyone, f["formal_disciplinary"].to_numpy()),
            ("SCW4", regulated, f["ftp_referral"].to_numpy()),
            ("SCW5", everyone, f["funded_cpd"].to_numpy()),
            ("SCW8", everyone, f["left_in_period"].to_numpy()),
            ("SCW9", in_post, f["senior_manager"].to_numpy()),
        ):
            denominators[sid] = _bincount(cell, base)
            numerators[sid] = _bincount(cell, base & event)
        declared[STAFF] = _bincount(cell, everyone)
        band_labels, band_table = _band_table(staff, cell, in_post)

    if recruitment is not None:
        cell = _cells(recruitment)
        everyone = np.ones(len(recruitment), dtype=bool)
        denominators["SCW2"] = _bincount(cell, everyone)
        numerators["SCW2"] = _bincount(cell, recruitment.frame["appointed"].to_numpy())
        declared[RECRUITMENT] = denominators["SCW2"]

    if survey is not None:
        cell = _cells(survey)
        for sid, column in (("SCW6", "hba_public"), ("SCW7a", "hba_colleagues"),
                            ("SCW7b", "hba_managers")):
            answers = survey.frame[column].array
            answered = ~answers.isna()
            denominators[sid] = _bincount(cell, answered)
            numerators[sid] = _bincount(cell, answered & answers.to_numpy(dtype=bool, na_value=False))
        declared[SURVEY] = _bincount(cell, np.ones(len(survey), dtype=bool))

    provided = frozenset(kind for kind, extract in given.items() if extract is not None)

    def for_area(area: str) -> Counts:
        def pick(table: np.ndarray) -> np.ndarray:  # "all" is adults + children
            return table.sum(axis=0) if area == ALL else table[ROW_SERVICE_AREAS.index(area)]

        series = {
            sid: SeriesCounts(*(Tally(int(n), int(d)) for n, d in
                                zip(pick(numerators[sid]), pick(denominators[sid]), strict=True)))
            for sid in numerators
        }
        in_bands = pick(band_table)  # group x band, bands in the order the file shows them
        bands = tuple(
            BandCounts(label, *(int(n) for n in in_bands[:, b]))
            for b, label in enumerate(band_labels) if in_bands[:, b].any()
        )
        declaration = {
            kind: Declaration(int(pick(counts)[:2].sum()), int(pick(counts).sum()))
            for kind, counts in declared.items()
        }
        return Counts(area, provided, series, bands, declaration)

    return {area: for_area(area) for area in SERVICE_AREAS}


def _cells(extract: Extract) -> np.ndarray:
    """Number each row's (service area, group) cell: area * 3 + group."""
    return extract.codes("service_area").astype(np.intp) * len(GROUPS) + extract.codes(
        "ethnic_group"
    )


def _bincount(cell: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Count the rows of ``mask`` in each (service area, group) cell."""
    return np.bincount(cell[mask], minlength=_CELLS).reshape(len(ROW_SERVICE_AREAS), len(GROUPS))


def _band_table(
    staff: Extract, cell: np.ndarray, in_post: np.ndarray
) -> tuple[list[str], np.ndarray]:
    bands = staff.frame["pay_band"].array
    labels = list(bands.categories)
    key = cell[in_post] * len(labels) + bands.codes[in_post]
    table = np.bincount(key, minlength=_CELLS * len(labels))
    return labels, table.reshape(len(ROW_SERVICE_AREAS), len(GROUPS), len(labels))


# -- counts from a form or a template -------------------------------------------------------

_INDICATOR_KEYS = {i.casefold(): i for i in INDICATORS_BY_ID}
_GROUP_WORDS = {"gm": "global majority", "white": "white", "unknown": "unknown ethnicity"}
_GROUP_KEYS = {GM: GM, "global majority": GM, WHITE: WHITE, UNKNOWN: UNKNOWN}


def read_counts_template(
    data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Counts]:
    """Read a counts template (CSV or XLSX); raise ``ExtractValidationError`` listing every
    problem."""
    found = read_columns(data, filename, TEMPLATE_COLUMNS, text=TEMPLATE_COLUMNS, limits=limits)
    columns, problems = found.columns, found.problems
    if problems and {"group", "numerator", "denominator"} <= set(found.absent):
        wide = read_columns(data, filename, WIDE_COLUMNS, text=WIDE_COLUMNS, limits=limits,
                            spellings=WIDE_SPELLINGS)
        if len(wide.absent) < len(WIDE_COLUMNS) - 3:  # it names the groups' columns
            if wide.problems:
                raise ExtractValidationError(wide.problems)
            return counts_from_rows(_wide_rows(wide.columns), source=filename)
    if problems:
        raise ExtractValidationError(problems)
    values = [columns[name].tolist() for name in TEMPLATE_COLUMNS]
    rows = [
        {"row": int(row), **dict(zip(TEMPLATE_COLUMNS, cells, strict=True))}
        for row, *cells in zip(columns["indicator"].index, *values, strict=True)
    ]
    return counts_from_rows(rows, source=filename)


def _wide_rows(columns: Mapping[str, pd.Series]) -> list[dict]:
    """Turn the wide layout's rows into the template's, one per group (the same row number)."""
    rows = []
    for position, row in enumerate(columns["indicator"].index):
        common = {name: columns[name].iloc[position]
                  for name in ("service_area", "indicator", "band")}
        for group in GROUPS:
            rows.append({"row": int(row), **common, "group": group,
                         "numerator": columns[f"{group}_numerator"].iloc[position],
                         "denominator": columns[f"{group}_denominator"].iloc[position],
                         "where": f" in row {row} ({_GROUP_WORDS[group]})"})
    return rows


def counts_from_rows(
    rows: Iterable[Mapping[str, object]], *, source: str = "counts form"
) -> dict[str, Counts]:
    """Build counts from template-shaped rows (a form can pass its own, without ``row``).

    Each row maps the ``TEMPLATE_COLUMNS`` to text or whole numbers, and may carry its ``row``
    number for messages. Raises ``ExtractValidationError`` listing every problem.
    """
    problems: list[Problem] = []
    seen: dict[tuple, int | None] = {}
    entries: list[_Entry] = []
    band_spelling: dict[str, str] = {}
    areas: set[str] = set()
    for raw in rows:
        row = cast("int | None", raw.get("row"))  # the template reader's number; none from a form
        entry, found = _template_row(source, row, raw)
        problems += found
        if entry is None:
            continue
        if entry.area:
            areas.add(entry.area)
        if entry.area and entry.indicator and entry.group:
            band = band_spelling.setdefault(entry.band.casefold(), entry.band)
            entry = entry._replace(band=band)
            key = (entry.area, entry.indicator, band, entry.group)
            if key in seen:
                earlier = seen[key]
                both = (earlier, row) if earlier is not None and row is not None else ()
                problems.append(Problem(
                    source, row, None,
                    f"{entry.indicator} {f'band {quote(band)} ' if band else ''}{entry.group} "
                    f"for {entry.area} is given more than once"
                    + (f", in {describe_rows(both)}" if both else ""),
                    rows=both, row_count=2,
                ))
                continue
            seen[key] = row
        if not found:
            entries.append(entry)
    if ALL in areas and areas & set(ROW_SERVICE_AREAS):
        problems.append(Problem(
            source, None, "service_area",
            "Give counts either for all staff (service area 'all') or for adults and children, "
            "not both",
        ))
    if not entries and not problems:
        problems.append(Problem(source, None, None, "The template has no counts in it"))
    if problems:
        raise ExtractValidationError(problems)
    return _counts_from_entries(entries)


class _Entry(NamedTuple):
    area: str | None
    indicator: str | None
    band: str
    group: str | None
    numerator: int | None
    denominator: int | None


def _template_row(
    source: str, row: int | None, raw: Mapping[str, object]
) -> tuple[_Entry | None, list[Problem]]:
    """Check one template row; None for a blank (unfilled) row."""
    text = {name: "" if raw.get(name) is None else str(raw.get(name)).strip()
            for name in TEMPLATE_COLUMNS}
    if not text["numerator"] and not text["denominator"]:
        return None, []
    where = str(raw.get("where") or (f" in row {row}" if row is not None else ""))
    found: list[Problem] = []

    def problem(column: str, message: str) -> None:
        found.append(Problem(source, row, column, message,
                             rows=(row,) if row is not None else (),
                             row_count=1, value=text[column] or None))

    area: str | None = fold(text["service_area"])
    if area not in SERVICE_AREAS:
        area = None
        problem("service_area", f"Service area{where} must be all, adults or children, "
                                f"not {quote(text['service_area'])}")
    indicator = _INDICATOR_KEYS.get(text["indicator"].casefold())
    if indicator is None:
        problem("indicator", f"Indicator{where} must be SCW1 to SCW9, SCW7a or SCW7b, "
                             f"not {quote(text['indicator'])}")
    group = _GROUP_KEYS.get(fold(text["group"]))
    if group is None:
        problem("group", f"Group{where} must be gm, white or unknown, not {quote(text['group'])}")
    band = " ".join(text["band"].split())
    numerator = _whole_number(text["numerator"], "numerator", where, problem)
    denominator: int | None = None
    if indicator == "SCW1":
        if not band:
            problem("band", f"Enter the pay band for SCW1{where}")
        if text["denominator"]:
            problem("denominator", f"Leave the denominator blank for SCW1{where}: its numerator "
                                   "is the staff in post in the band")
    elif indicator is not None:
        if band:
            problem("band", f"Leave the band blank for {indicator}{where}: only SCW1 has bands")
        denominator = _whole_number(text["denominator"], "denominator", where, problem)
        if numerator is not None and denominator is not None and numerator > denominator:
            problem("numerator", f"The numerator{where} ({numerator:,}) must not be larger than "
                                 f"the denominator ({denominator:,})")
    found.sort(key=lambda p: TEMPLATE_COLUMNS.index(p.column))
    return _Entry(area, indicator, band, group, numerator, denominator), found


def _whole_number(text: str, column: str, where: str, problem) -> int | None:
    if not text:
        problem(column, f"Enter the {column}{where}")
        return None
    try:  # the same parser as the counts form (tracker/forms.CountField)
        return parse_count(text, name=f"The {column}{where}", shown=text)
    except ValueRejected as rejected:
        problem(column, rejected.message)
        return None


def _counts_from_entries(entries: list[_Entry]) -> dict[str, Counts]:
    areas = [a for a in SERVICE_AREAS if any(e.area == a for e in entries)]
    provided = frozenset(INDICATORS_BY_ID[e.indicator].source for e in entries if e.indicator)
    by_area: dict[str, Counts] = {}
    for area in areas:
        tallies: dict[str, dict[str, Tally]] = {}
        bands: dict[str, dict[str, int]] = {}
        for entry_area, indicator, band, group, numerator, denominator in entries:
            if entry_area != area:
                continue
            # entries are the rows without problems: every cell is there
            assert indicator is not None and group is not None and numerator is not None
            if indicator == "SCW1":
                bands.setdefault(band, {})[group] = numerator
            else:
                assert denominator is not None
                tallies.setdefault(indicator, {})[group] = Tally(numerator, denominator)
        series = {sid: SeriesCounts(**groups) for sid, groups in tallies.items()}
        band_counts = tuple(BandCounts(label, **groups) for label, groups in bands.items())
        by_area[area] = Counts(
            area, provided, series, band_counts,
            _declaration_from_series(series, band_counts, provided),
        )
    if ALL not in by_area:
        total = Counts(ALL)
        for area in ROW_SERVICE_AREAS:
            if area in by_area:
                total = total.combine(by_area[area], ALL)
        by_area[ALL] = total
    return {area: by_area[area] for area in SERVICE_AREAS if area in by_area}


def _declaration_from_series(
    series: Mapping[str, SeriesCounts], bands: tuple[BandCounts, ...], provided: frozenset[str]
) -> dict[str, Declaration]:
    def from_series(s: SeriesCounts) -> Declaration:
        known = s.gm.denominator + s.white.denominator
        return Declaration(known, known + s.unknown.denominator)

    declaration: dict[str, Declaration] = {}
    if STAFF in provided:
        staff = [from_series(series[sid]) for sid in ("SCW3", "SCW5", "SCW8") if sid in series]
        staff.append(Declaration(sum(b.gm + b.white for b in bands), sum(b.total for b in bands)))
        if "SCW9" in series:
            staff.append(from_series(series["SCW9"]))
        declaration[STAFF] = next((d for d in staff if d.total), Declaration())
    if RECRUITMENT in provided and "SCW2" in series:
        declaration[RECRUITMENT] = from_series(series["SCW2"])
    if SURVEY in provided:
        answered = [from_series(series[s]) for s in ("SCW6", "SCW7a", "SCW7b") if s in series]
        declaration[SURVEY] = max(answered, key=lambda d: d.total, default=Declaration())
    return declaration


def keep_other_kinds(
    saved: Mapping[str, Counts], new: Mapping[str, Counts]
) -> tuple[dict[str, Counts], frozenset[str]]:
    """Put the saved figures of the extract kinds the new counts do not give beside them.

    Each kind (staff, recruitment, survey) may come from its own source: loading the survey
    provider's totals keeps the staff figures already counted from the HR extract. Returns the
    counts per service area and the kinds kept from ``saved``.
    """
    given = frozenset().union(*(c.provided for c in new.values()))
    kept = frozenset().union(*(c.provided for c in saved.values())) - given
    if not kept:
        return dict(new), kept
    merged: dict[str, Counts] = {}
    for area in SERVICE_AREAS:
        if area not in new and area not in saved:
            continue
        fresh, old = new.get(area, Counts(area)), saved.get(area, Counts(area))
        merged[area] = Counts(
            area,
            provided=(fresh.provided - kept) | (old.provided & kept),
            series={sid: old.series[sid] if INDICATORS_BY_ID[sid].source in kept
                    else fresh.series[sid] for sid in SERIES_IDS},
            bands=old.bands if STAFF in kept else fresh.bands,
            declaration={kind: old.declaration[kind] if kind in kept
                         else fresh.declaration[kind] for kind in EXTRACT_KINDS},
        )
    return merged, kept
