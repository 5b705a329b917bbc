"""A cycle's indicator data: preview an upload as a draft, then save its counts and results.

Person-level rows are read, counted and dropped inside the request: only counts, results and
provenance (file names, row counts, declaration rates, who, when) are ever stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select

from tracker.domain.checks import NOT_COLLECTED, extract_warnings, not_collected
from tracker.domain.counts import (
    Counts,
    counts_from_extracts,
    counts_from_rows,
    keep_other_kinds,
    read_counts_template,
)
from tracker.domain.definitions import EXTRACT_KINDS, INDICATORS_BY_ID
from tracker.domain.extracts import read_extracts
from tracker.domain.indicators import GM_WHITE, Results, compute_results
from tracker.domain.mappings import ColumnMapping
from tracker.domain.roles import Capability
from tracker.domain.stored_results import StoredResults
from tracker.extensions import db
from tracker.models import IndicatorDataset, IndicatorDraft, ReportingCycle, User, utcnow
from tracker.services import follows
from tracker.services.access import OrgAccess, require
from tracker.services.audit import record_event
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.locks import lock
from tracker.services.uploads import upload_limits

SOURCES = {
    "extracts": "Record-level extracts",
    "counts-form": "Counts typed into the form",
    "counts-template": "Counts template",
    "mixed": "More than one source (see each kind below)",
}


@dataclass(frozen=True)
class Figures:
    """What a results or preview page shows: per service area, in the CLI contract's shape."""

    results: dict[str, dict]          # service area -> Results.to_dict()
    provenance: dict
    source: str

    @property
    def service_areas(self) -> list[str]:
        return StoredResults(self.results).areas


def _check_cycle(access: OrgAccess, cycle: ReportingCycle) -> None:
    if cycle.organisation_id != access.organisation.id:
        raise NotFound(cycle.id)


def results_from_counts(counts: Mapping[str, dict], orientation: str = GM_WHITE,
                        not_collected: Iterable[str] = ()) -> dict[str, dict]:
    """Compute the results of stored counts ({area: Counts.to_dict()}); the series in
    ``not_collected`` (their column was blank on every row) say so instead of a figure."""
    results = {area: compute_results(Counts.from_dict(data)).to_dict(orientation)
               for area, data in counts.items()}
    for result in results.values():
        for sid in not_collected:
            result["indicators"][sid].update(status=NOT_COLLECTED, rl=None, rating=None,
                                             ci95=None, low_confidence=False)
    return results


def _provenance(counts: Mapping[str, Counts], files: list[dict]) -> dict:
    overall = counts.get("all") or next(iter(counts.values()))
    results: Results = compute_results(overall)
    return {"files": files, "declaration_rate": dict(results.declaration_rate)}


def _new_draft(
    *, actor: User, cycle: ReportingCycle, source: str, counts: Mapping[str, Counts],
    files: list[dict], warnings: list[dict] | None = None, missing: list[str] | None = None,
) -> IndicatorDraft:
    # One pending draft per person and cycle: a new upload replaces the previous one.
    db.session.execute(delete(IndicatorDraft).where(IndicatorDraft.cycle_id == cycle.id,
                                                    IndicatorDraft.created_by_id == actor.id))
    given = sorted(frozenset().union(*(c.provided for c in counts.values())),
                   key=EXTRACT_KINDS.index)
    sources = {kind: {"source": source, "kept": False} for kind in given}
    warnings, missing = list(warnings or []), list(missing or [])
    saved = db.session.scalar(select(IndicatorDataset).where(
        IndicatorDataset.cycle_id == cycle.id))
    if saved is not None:  # the kinds this upload does not give keep their saved figures
        counts, kept = keep_other_kinds(
            {area: Counts.from_dict(data) for area, data in saved.counts.items()}, counts)
        if kept:
            before = saved.provenance
            old_sources = before.get("sources") or {
                kind: {"source": saved.source} for kind in kept}
            for kind in sorted(kept, key=EXTRACT_KINDS.index):
                sources[kind] = {**old_sources.get(kind, {"source": saved.source}),
                                 "kept": True, "loaded_at": saved.loaded_at.isoformat()}
            kept_files = [f for f in before.get("files", []) if f.get("kind") in kept or (
                f.get("kind") == "counts" and any(
                    sources[k]["source"] == "counts-template" for k in kept))]
            files = files + kept_files
            names = {f.get("filename") for f in kept_files}
            warnings += [w for w in before.get("warnings", []) if w.get("file") in names]
            missing += [sid for sid in before.get("not_collected", [])
                        if INDICATORS_BY_ID[sid].source in kept and sid not in missing]
            source = "mixed" if any(v["source"] != source for v in sources.values()) else source
    draft = IndicatorDraft(
        cycle_id=cycle.id, created_by_id=actor.id, source=source,
        counts={area: c.to_dict() for area, c in counts.items()},
        provenance={**_provenance(counts, files), "warnings": warnings,
                    "not_collected": missing,
                    "sources": {kind: sources[kind] for kind in EXTRACT_KINDS
                                if kind in sources}},
    )
    db.session.add(draft)
    db.session.flush()
    return draft


@dataclass(frozen=True)
class CheckedExtracts:
    """Extracts read, checked and counted, ready to become a draft (nothing written yet)."""

    counts: dict[str, Counts]
    files: list[dict]
    warnings: list[dict]
    missing: list[str]


def check_and_count(
    *, access: OrgAccess, cycle: ReportingCycle, uploads: Mapping[str, tuple[bytes, str]],
    extra_mapping: Mapping[str, str] | None, mapping: ColumnMapping | None = None,
    sheets: Mapping[str, str] | None = None,
) -> CheckedExtracts:
    """Read, check and count the uploaded extracts, only reading the database (a job does it
    holding no write lock); raise ExtractValidationError with every problem.

    ``mapping`` is the organisation's (its headers and labels), ``sheets`` a workbook's sheet
    chosen per kind.
    """
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    extracts = read_extracts(staff=uploads.get("staff"), recruitment=uploads.get("recruitment"),
                             survey=uploads.get("survey"), extra_mapping=extra_mapping,
                             limits=upload_limits(), mapping=mapping, sheets=sheets)
    counts = counts_from_extracts(**extracts)
    fingerprints = {kind: hashlib.sha256(uploads[kind][0]).hexdigest() for kind in extracts}
    files = [{"kind": kind, "filename": uploads[kind][1], "rows": len(extracts[kind]),
              "read": layout.describe() if (layout := extracts[kind].layout) else None,
              "sheet": layout.sheet if layout else None,
              "sheets": list(layout.sheets) if layout else [],
              "columns": extracts[kind].found, "fingerprint": fingerprints[kind],
              "left_out": extracts[kind].left_out}
             for kind in EXTRACT_KINDS if kind in extracts]
    current = db.session.scalar(select(IndicatorDataset).where(
        IndicatorDataset.cycle_id == cycle.id))
    before = _previous_dataset(cycle)
    files_before = {f.get("fingerprint"): label for label, dataset in
                    ((None, current), (before[0] if before else None,
                                       before[1] if before else None))
                    if dataset is not None for f in dataset.provenance.get("files", [])
                    if f.get("fingerprint")}
    warnings = extract_warnings(extracts, previous_files=files_before,
                                fingerprints=fingerprints,
                                previous_headcount=_headcount(before[1]) if before else None,
                                previous_label=before[0] if before else None)
    return CheckedExtracts(dict(counts), files, [w.to_dict() for w in warnings],
                           not_collected(extracts))


def draft_from_checked(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                       checked: CheckedExtracts) -> IndicatorDraft:
    """Make checked extracts the person's preview (replacing any earlier one)."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    return _new_draft(actor=actor, cycle=cycle, source="extracts", counts=checked.counts,
                      files=checked.files, warnings=checked.warnings, missing=checked.missing)


def draft_from_extracts(
    *, actor: User, access: OrgAccess, cycle: ReportingCycle,
    uploads: Mapping[str, tuple[bytes, str]], extra_mapping: Mapping[str, str] | None,
    mapping: ColumnMapping | None = None, sheets: Mapping[str, str] | None = None,
) -> IndicatorDraft:
    """Check and count the uploaded extracts; raise ExtractValidationError with every problem.

    ``mapping`` is the organisation's (its headers and labels), ``sheets`` a workbook's sheet
    chosen per kind.
    """
    checked = check_and_count(access=access, cycle=cycle, uploads=uploads,
                              extra_mapping=extra_mapping, mapping=mapping, sheets=sheets)
    return draft_from_checked(actor=actor, access=access, cycle=cycle, checked=checked)


def _previous_dataset(cycle: ReportingCycle) -> tuple[str, IndicatorDataset] | None:
    """Return the organisation's latest earlier cycle that has figures, and its data."""
    row = db.session.execute(
        select(ReportingCycle.label, IndicatorDataset).join(
            IndicatorDataset, IndicatorDataset.cycle_id == ReportingCycle.id)
        .where(ReportingCycle.organisation_id == cycle.organisation_id,
               ReportingCycle.period_start < cycle.period_start)
        .order_by(ReportingCycle.period_start.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _headcount(dataset: IndicatorDataset) -> int | None:
    """Return the people in a cycle's staff data (every staff row, from files or counts)."""
    overall = dataset.counts.get("all") or {}
    if "staff" not in overall.get("provided", ()):
        return None
    total = overall.get("declaration", {}).get("staff", {}).get("total")
    return int(total) if total else None


def check_extracts(
    *, access: OrgAccess, uploads: Mapping[str, tuple[bytes, str]],
    extra_mapping: Mapping[str, str] | None, mapping: ColumnMapping | None = None,
    sheets: Mapping[str, str] | None = None,
) -> None:
    """Read the extracts as ``draft_from_extracts`` would, only to raise their problems."""
    require(access, Capability.MANAGE_DATA)
    read_extracts(staff=uploads.get("staff"), recruitment=uploads.get("recruitment"),
                  survey=uploads.get("survey"), extra_mapping=extra_mapping,
                  limits=upload_limits(), mapping=mapping, sheets=sheets)


def draft_from_counts_template(
    *, actor: User, access: OrgAccess, cycle: ReportingCycle, data: bytes, filename: str
) -> IndicatorDraft:
    """Read a one-sheet counts template; raise ExtractValidationError with every problem."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    counts = read_counts_template(data, filename, limits=upload_limits())
    return _new_draft(actor=actor, cycle=cycle, source="counts-template", counts=counts,
                      files=[{"kind": "counts", "filename": filename, "rows": None}])


def draft_from_counts_rows(
    *, actor: User, access: OrgAccess, cycle: ReportingCycle, rows: list[dict]
) -> IndicatorDraft:
    """Take counts typed into the form (template-shaped rows); raise on any problem."""
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    counts = counts_from_rows(rows, source="counts form")
    return _new_draft(actor=actor, cycle=cycle, source="counts-form", counts=counts, files=[])


def get_draft(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
              draft_id: int) -> IndicatorDraft:
    """Return the user's own pending draft for this cycle, or raise NotFound."""
    require(access, Capability.MANAGE_DATA)
    draft = db.session.get(IndicatorDraft, draft_id, populate_existing=True)  # as it is now
    if draft is None or draft.cycle_id != cycle.id or draft.created_by_id != actor.id:
        raise NotFound(draft_id)
    _check_cycle(access, cycle)
    return draft


def draft_exists(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
                 draft_id: int) -> bool:
    """Say whether this pending draft is still there (it goes once saved or replaced).

    Someone else's draft still "exists": get_draft then refuses it as not found.
    """
    require(access, Capability.MANAGE_DATA)
    return db.session.get(IndicatorDraft, draft_id) is not None


def draft_figures(draft: IndicatorDraft) -> Figures:
    """Return what the preview page shows for a draft."""
    return Figures(results=results_from_counts(
        draft.counts, not_collected=draft.provenance.get("not_collected", ())),
        provenance=draft.provenance, source=draft.source)


def save_draft(*, actor: User, access: OrgAccess, cycle: ReportingCycle,
               draft_id: int, confirmed: bool = False) -> IndicatorDataset:
    """Save a previewed draft as the cycle's data, replacing what was there (audited).

    A draft with warnings is saved only when someone ``confirmed`` that the data is right;
    the warnings stay with the data as data-quality notes.
    """
    require(access, Capability.MANAGE_DATA)
    _check_cycle(access, cycle)
    lock(ReportingCycle, cycle.id)  # one save of a cycle's data at a time
    draft = get_draft(actor=actor, access=access, cycle=cycle, draft_id=draft_id)
    if draft.provenance.get("warnings") and not confirmed:
        raise InvalidInput({"confirmed": "Confirm that the data is right, or upload corrected "
                                         "files"})
    dataset = store_dataset(actor=actor, cycle=cycle, source=draft.source, counts=draft.counts,
                            provenance=draft.provenance)
    db.session.delete(draft)
    db.session.flush()
    return dataset


def store_dataset(
    *, actor: User | None, cycle: ReportingCycle, source: str, counts: dict, provenance: dict
) -> IndicatorDataset:
    """Make these counts (and their results) the cycle's data, replacing any before (audited)."""
    lock(ReportingCycle, cycle.id)  # two first saves at once: the second replaces the first
    dataset = db.session.scalar(select(IndicatorDataset).where(
        IndicatorDataset.cycle_id == cycle.id))
    before, results_before = None, None
    if dataset is None:
        dataset = IndicatorDataset(cycle_id=cycle.id)
        db.session.add(dataset)
    else:
        before = {"source": dataset.source, "provenance": dataset.provenance,
                  "loaded_at": dataset.loaded_at.isoformat()}
        results_before = dataset.results
    dataset.source = source
    dataset.counts = counts
    dataset.results = results_from_counts(counts,
                                          not_collected=provenance.get("not_collected", ()))
    dataset.provenance = provenance
    dataset.loaded_by_id = actor.id if actor else None
    dataset.loaded_at = utcnow()
    db.session.flush()
    record_event(actor=actor, action="replaced" if before else "loaded",
                 entity_type="indicator_dataset", entity_id=dataset.id,
                 organisation=cycle.organisation, before=before,
                 after={"cycle": cycle.label, "source": source, "provenance": provenance})
    follows.figures_saved(organisation=cycle.organisation, cycle=cycle, actor=actor,
                          results=dataset.results, before=results_before)
    return dataset


def counts_dataset_from_rows(*, actor: User | None, cycle: ReportingCycle, rows: list[dict],
                             source_name: str) -> IndicatorDataset:
    """Store counts given as template rows directly (the demo data): no preview step."""
    counts = counts_from_rows(rows, source=source_name)
    return store_dataset(actor=actor, cycle=cycle, source="counts-template",
                         counts={area: c.to_dict() for area, c in counts.items()},
                         provenance=_provenance(counts, [{"kind": "counts",
                                                          "filename": source_name,
                                                          "rows": len(rows)}]))


def get_dataset(*, access: OrgAccess, cycle: ReportingCycle) -> IndicatorDataset | None:
    """Return the cycle's saved data, if any."""
    require(access, Capability.READ)
    _check_cycle(access, cycle)
    return db.session.scalar(
        select(IndicatorDataset).where(IndicatorDataset.cycle_id == cycle.id)
        .options(db.joinedload(IndicatorDataset.loaded_by))
    )


def dataset_figures(dataset: IndicatorDataset, orientation: str = GM_WHITE) -> Figures:
    """Return what the results page shows: the saved results, or recomputed for the NHS form."""
    results = dataset.results if orientation == GM_WHITE else \
        results_from_counts(dataset.counts, orientation,
                            dataset.provenance.get("not_collected", ()))
    return Figures(results=results, provenance=dataset.provenance, source=dataset.source)
