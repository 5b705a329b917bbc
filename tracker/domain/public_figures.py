"""A cycle's figures made safe to publish: the SC-WRES count table and its suppressed results.

``cycle_table`` lays out every count behind a cycle's results as a ``disclosure.CountTable``:
for each service area, series and ethnic group the numerator, the denominator and the people
without the outcome (never shown, but a count of people all the same); SCW1's staff in post by
band with their total; each extract's known and unknown ethnicity. The relations a reader could
use are added where they hold in the data: adults + children = all staff; numerator + the rest =
denominator; SCW3, SCW5 and SCW8 count the same staff; staff in post (SCW9) are the staff who did
not leave (SCW8) and the pay bands added up; regulated professionals (SCW4) are some of the
staff; the declaration counts are the groups' denominators.

``safe_results`` then returns the results in their usual shape (``Results.to_dict``) with every
count or figure that may not be published set to ``None`` and the reason beside it, in each
entry's ``"withheld"`` mapping (``{"gm.numerator": "fewer than 10", "rl": "not shown: ..."}``).
A series whose extract was not given, or whose column was not collected, has no counts to protect
and shows none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from tracker.domain.counts import Counts
from tracker.domain.definitions import (
    ADULTS,
    ALL,
    CHILDREN,
    EXTRACT_KINDS,
    GM,
    GROUPS,
    INDICATORS_BY_ID,
    RECRUITMENT,
    SERIES_IDS,
    SERVICE_AREA_WORDS,
    STAFF,
    SURVEY,
    UNKNOWN,
    WHITE,
)
from tracker.domain.disclosure import (
    DEFAULT_THRESHOLD,
    CountTable,
    Key,
    Publication,
    Relation,
    suppress,
    withheld_reason,
)
from tracker.domain.stored_results import StoredResults

GROUP_WORDS = {GM: "global majority", WHITE: "white", UNKNOWN: "unknown ethnicity"}
#: The series whose denominators are the people an extract's declaration counts describe.
DECLARATION_SERIES = {STAFF: ("SCW3",), RECRUITMENT: ("SCW2",), SURVEY: ("SCW6", "SCW7a", "SCW7b")}
NUMERATOR, DENOMINATOR, REST = "numerator", "denominator", "rest"
SCW1_TOTAL = ("SCW1-total",)


def _series_key(area: str, sid: str, group: str, part: str) -> tuple:
    return (area, sid, group, part)


def _band_key(area: str, band: str, group: str) -> tuple:
    return (area, "SCW1", band, group)


def _total_key(area: str, group: str) -> tuple:
    return (area, "SCW1-total", group)


def _declaration_key(area: str, kind: str, part: str) -> tuple:
    return (area, "declared", kind, part)


def included_series(counts: Counts, result: Mapping[str, Any]) -> list[str]:
    """Return the series with real counts: their extract was given and their column collected."""
    saved = StoredResults({"area": result})
    return [sid for sid in SERIES_IDS
            if INDICATORS_BY_ID[sid].source in counts.provided
            and saved.series("area", sid).status != "not-collected"]


class _TableBuilder:
    """Collect the counts, what is shown, their labels and the candidate relations."""

    def __init__(self) -> None:
        self.values: dict[tuple, int] = {}
        self.shown: set[tuple] = set()
        self.labels: dict[tuple, str] = {}
        self.candidates: list[Relation] = []

    def count(self, key: tuple, value: int, label: str, *, shown: bool = True) -> tuple:
        self.values[key], self.labels[key] = value, label
        if shown:
            self.shown.add(key)
        return key

    def series(self, area: str, counts: Counts, series: list[str]) -> None:
        words = SERVICE_AREA_WORDS[area]
        for sid in series:
            meta = INDICATORS_BY_ID[sid]
            for group in GROUPS:
                tally = counts.series[sid].group(group)
                who = f"{sid}, {words}, {GROUP_WORDS[group]}"
                numerator = self.count(_series_key(area, sid, group, NUMERATOR), tally.numerator,
                                       f"{who}: {meta.numerator_label}")
                denominator = self.count(_series_key(area, sid, group, DENOMINATOR),
                                         tally.denominator, f"{who}: {meta.denominator_label}")
                rest = self.count(_series_key(area, sid, group, REST),
                                  tally.denominator - tally.numerator,
                                  f"{who}: {meta.denominator_label} without that outcome",
                                  shown=False)
                self.candidates.append(Relation.total(denominator, [numerator, rest]))

    def bands(self, area: str, counts: Counts, series: list[str]) -> None:
        words = SERVICE_AREA_WORDS[area]
        for group in GROUPS:
            band_keys = [self.count(_band_key(area, band.label, group), getattr(band, group),
                                    f"SCW1, {words}, band {band.label}, {GROUP_WORDS[group]}")
                         for band in counts.bands]
            total = self.count(_total_key(area, group), sum(self.values[k] for k in band_keys),
                               f"SCW1, {words}, all bands, {GROUP_WORDS[group]}")
            self.candidates.append(Relation.total(total, band_keys))
            if "SCW9" in series:
                self.candidates.append(Relation.same(
                    total, _series_key(area, "SCW9", group, DENOMINATOR)))

    def declaration(self, area: str, counts: Counts, series: list[str]) -> None:
        words = SERVICE_AREA_WORDS[area]
        for kind in EXTRACT_KINDS:
            if kind not in counts.provided:
                continue
            declared = counts.declaration[kind]
            known = self.count(_declaration_key(area, kind, "known"), declared.known,
                               f"{kind} extract, {words}: ethnicity known")
            unknown = self.count(_declaration_key(area, kind, "unknown"),
                                 declared.total - declared.known,
                                 f"{kind} extract, {words}: ethnicity unknown")
            for sid in DECLARATION_SERIES[kind]:
                if sid not in series:
                    continue
                gm, white, unknown_den = (_series_key(area, sid, g, DENOMINATOR) for g in GROUPS)
                self.candidates += [Relation(((known, 1), (gm, -1), (white, -1))),
                                    Relation.same(unknown, unknown_den),
                                    Relation(((gm, 1), (white, 1), (known, -1)), equal=False),
                                    Relation.at_most(unknown_den, unknown)]

    def same_staff(self, area: str, series: list[str]) -> None:
        """SCW3, SCW5 and SCW8 count all staff; SCW4 some of them; SCW9 those who stayed."""
        if "SCW3" not in series:
            return
        for group in GROUPS:
            staff = _series_key(area, "SCW3", group, DENOMINATOR)
            for sid in ("SCW5", "SCW8"):
                if sid in series:
                    self.candidates.append(Relation.same(
                        _series_key(area, sid, group, DENOMINATOR), staff))
            if "SCW4" in series:
                self.candidates.append(Relation.at_most(
                    _series_key(area, "SCW4", group, DENOMINATOR), staff))
            if "SCW8" in series and "SCW9" in series:
                self.candidates.append(Relation.same(
                    _series_key(area, "SCW9", group, DENOMINATOR),
                    _series_key(area, "SCW8", group, REST)))

    def adults_and_children(self) -> None:
        """All staff are adults plus children, count by count (a band missing from one is 0)."""
        for key in [k for k in self.values if k[0] == ALL]:
            present = [p for p in ((area, *key[1:]) for area in (ADULTS, CHILDREN))
                       if p in self.values]
            if present:
                self.candidates.append(Relation.total(key, present))

    def table(self) -> CountTable:
        """Keep the relations that hold in the data (a counts template need not agree)."""
        relations, seen = [], set()
        for relation in self.candidates:
            if relation.terms in seen or not all(k in self.values for k in relation.keys):
                continue
            if relation.holds(self._counts()):
                seen.add(relation.terms)
                relations.append(relation)
        return CountTable(self._counts(), frozenset(self.shown), tuple(relations),
                          cast(Mapping[Key, str], self.labels))

    def _counts(self) -> Mapping[Key, int]:
        # A Mapping's key type is invariant: these tuple keys are the table's hashable Keys.
        return cast(Mapping[Key, int], self.values)


def cycle_table(counts: Mapping[str, Counts], results: Mapping[str, Mapping[str, Any]]) -> CountTable:
    """Return every count behind a cycle's results, what a publication shows, and the relations."""
    builder = _TableBuilder()
    for area, area_counts in counts.items():
        series = included_series(area_counts, results[area])
        builder.series(area, area_counts, series)
        if STAFF in area_counts.provided and area_counts.bands:
            builder.bands(area, area_counts, series)
        builder.declaration(area, area_counts, series)
        if STAFF in area_counts.provided:
            builder.same_staff(area, series)
    if {ALL, ADULTS, CHILDREN} <= set(counts):
        builder.adults_and_children()
    return builder.table()


def publication_of(counts: Mapping[str, Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]],
                   threshold: int = DEFAULT_THRESHOLD) -> tuple[CountTable, Publication]:
    """Return the cycle's count table and the suppression chosen for it (checked safe)."""
    area_counts = {area: Counts.from_dict(data) for area, data in counts.items()}
    table = cycle_table(area_counts, results)
    return table, suppress(table, threshold)


def apply_publication(counts: Mapping[str, Mapping[str, Any]],
                      results: Mapping[str, Mapping[str, Any]],
                      publication: Publication) -> dict[str, dict]:
    """Return the results with what the publication withholds set to None, and why."""
    return {area: _safe_area(area, Counts.from_dict(counts[area]), results[area], publication)
            for area in results if area in counts}


def safe_results(counts: Mapping[str, Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]],
                 threshold: int = DEFAULT_THRESHOLD) -> dict[str, dict]:
    """Return the results with every count or figure that may not be published withheld."""
    _, publication = publication_of(counts, results, threshold)
    return apply_publication(counts, results, publication)


def _value(publication: Publication, key: tuple, withheld: dict, name: str) -> int | None:
    if publication.is_published(key):
        return publication.values[key]
    withheld[name] = publication.reason(key)
    return None


def _safe_area(area: str, counts: Counts, result: Mapping[str, Any],
               publication: Publication) -> dict:
    series = included_series(counts, result)
    indicators: dict[str, dict] = {}
    saved = StoredResults({area: result})
    for sid in SERIES_IDS:
        entry = saved.series(area, sid)
        if sid not in series:
            indicators[sid] = {"status": entry.status, "rl": None, "rating": None,
                               "ci95": None, "low_confidence": False,
                               **{g: {NUMERATOR: None, DENOMINATOR: None} for g in GROUPS},
                               **({"gap_pp": None} if sid == "SCW9" else {}), "withheld": {}}
            continue
        withheld: dict[str, str] = {}
        safe = {g: {part: _value(publication, _series_key(area, sid, g, part), withheld,
                                 f"{g}.{part}") for part in (NUMERATOR, DENOMINATOR)}
                for g in GROUPS}
        inputs = [_series_key(area, sid, g, part) for g in (GM, WHITE)
                  for part in (NUMERATOR, DENOMINATOR)]
        reason = withheld_reason(publication, inputs)
        derived = ("status", "rl", "rating", "ci95") + (("gap_pp",) if sid == "SCW9" else ())
        if reason:
            withheld.update({name: reason for name in derived})
            derived_values: dict[str, Any] = {name: None for name in derived} | {"status": "withheld"}
        else:
            derived_values = {"status": entry.status, "rl": entry.rl, "rating": entry.rating,
                              "ci95": list(entry.ci95) if entry.ci95 else None}
            if sid == "SCW9":
                derived_values["gap_pp"] = entry.gap_pp
        indicators[sid] = {**derived_values, "low_confidence": entry.low_confidence
                           and not reason, **safe, "withheld": withheld}
    indicators["SCW1"] = _safe_bands(area, counts, dict(saved.pay_bands(area)), publication)
    declaration: dict[str, float | None] = {}
    declaration_withheld: dict[str, str] = {}
    for kind in EXTRACT_KINDS:
        rate = saved.declaration_rate(area).get(kind)
        if kind not in counts.provided:
            declaration[kind] = None
            continue
        reason = withheld_reason(publication, [_declaration_key(area, kind, "known"),
                                               _declaration_key(area, kind, "unknown")])
        declaration[kind] = None if reason else rate
        if reason:
            declaration_withheld[kind] = reason
    return {"service_area": area, "declaration_rate": declaration,
            "declaration_withheld": declaration_withheld,
            "threshold": publication.threshold, "indicators": indicators}


def _safe_bands(area: str, counts: Counts, scw1: Mapping[str, Any],
                publication: Publication) -> dict:
    if STAFF not in counts.provided or not counts.bands:
        return {"gm_share_workforce": None, "total": {g: None for g in GROUPS}, "bands": {},
                "withheld": {}}
    withheld: dict[str, str] = {}
    totals = {g: _value(publication, _total_key(area, g), withheld, f"total.{g}") for g in GROUPS}
    total_inputs = [_total_key(area, g) for g in (GM, WHITE)]
    workforce_reason = withheld_reason(publication, total_inputs)
    if workforce_reason:
        withheld["gm_share_workforce"] = workforce_reason
    bands = {}
    for label, band in scw1["bands"].items():
        band_withheld: dict[str, str] = {}
        safe = {g: _value(publication, _band_key(area, label, g), band_withheld, g)
                for g in GROUPS}
        share_reason = withheld_reason(publication, [_band_key(area, label, g)
                                                     for g in (GM, WHITE)])
        gap_reason = share_reason or workforce_reason
        for name, reason in (("gm_share", share_reason), ("gap_pp", gap_reason),
                             ("rl", gap_reason)):
            if reason:
                band_withheld[name] = reason
        bands[label] = {**safe, "gm_share": None if share_reason else band["gm_share"],
                        "gap_pp": None if gap_reason else band["gap_pp"],
                        "rl": None if gap_reason else band["rl"], "withheld": band_withheld}
    return {"gm_share_workforce": None if workforce_reason else scw1["gm_share_workforce"],
            "total": totals, "bands": bands, "withheld": withheld}
