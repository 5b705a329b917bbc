"""Loading a cycle's data from the command line: the web's checks, straight to saved data.

The web previews an upload as a draft before it is saved; the command line has nobody to show a
preview to, so it reads and checks the files exactly as the upload does (the same readers, limits,
mapping and warnings), refuses them with every problem, and saves only when there are no
warnings or they were confirmed (``--confirm-warnings``, as the web's "the data is right"). The
save is the web's own (``indicators.store_dataset``), audited with no person as the actor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.domain.checks import extract_warnings, not_collected
from tracker.domain.counts import counts_from_extracts, read_counts_template
from tracker.domain.definitions import EXTRACT_KINDS
from tracker.domain.extracts import read_extracts
from tracker.domain.indicators import compute_results
from tracker.domain.mappings import ColumnMapping
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import IndicatorDataset, Organisation, ReportingCycle
from tracker.services.access import OrgAccess
from tracker.services.errors import InvalidInput, NotFound
from tracker.services.indicators import store_dataset
from tracker.services.uploads import upload_limits


@dataclass(frozen=True)
class Loaded:
    """What a load did: the saved data (None when warnings stopped it) and the warnings."""

    dataset: IndicatorDataset | None
    warnings: list[dict]


def command_line_lead(*, slug: str) -> OrgAccess:
    """Return an EDI lead's access to an organisation, for whoever runs the command line."""
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(slug)
    return OrgAccess(organisation=organisation, roles=frozenset({Role.EDI_LEAD.value}))


def command_line_cycle(*, access: OrgAccess, label: str) -> ReportingCycle:
    """Return the organisation's cycle with this label, or raise NotFound."""
    cycle = db.session.scalar(db.select(ReportingCycle).where(
        ReportingCycle.organisation_id == access.organisation.id, ReportingCycle.label == label))
    if cycle is None:
        raise NotFound(label)
    return cycle


def _save(cycle: ReportingCycle, source: str, counts: Mapping, files: list[dict],
          warnings: list[dict], missing: list[str], confirmed: bool) -> Loaded:
    if warnings and not confirmed:
        return Loaded(None, warnings)
    overall = counts.get("all") or next(iter(counts.values()))
    provenance = {"files": files, "declaration_rate": dict(compute_results(overall)
                                                           .declaration_rate),
                  "warnings": warnings, "not_collected": missing, "via": "command line"}
    dataset = store_dataset(actor=None, cycle=cycle, source=source,
                            counts={area: c.to_dict() for area, c in counts.items()},
                            provenance=provenance)
    return Loaded(dataset, warnings)


def load_extracts(*, cycle: ReportingCycle, uploads: Mapping[str, tuple[bytes, str]],
                  extra_mapping: Mapping[str, str] | None, mapping: ColumnMapping | None,
                  confirmed: bool, sheets: Mapping[str, str] | None = None) -> Loaded:
    """Check and count record-level extracts and save them; raise ExtractValidationError.

    ``sheets`` is a workbook's sheet to read, per kind."""
    if "staff" not in uploads:
        raise InvalidInput({"staff": "Give the staff extract"})
    extracts = read_extracts(staff=uploads.get("staff"), recruitment=uploads.get("recruitment"),
                             survey=uploads.get("survey"), extra_mapping=extra_mapping,
                             limits=upload_limits(), mapping=mapping, sheets=sheets)
    counts = counts_from_extracts(**extracts)
    fingerprints = {kind: hashlib.sha256(uploads[kind][0]).hexdigest() for kind in extracts}
    files = [{"kind": kind, "filename": uploads[kind][1], "rows": len(extracts[kind]),
              "read": layout.describe() if (layout := extracts[kind].layout) else None,
              "sheet": layout.sheet if layout else None,
              "columns": extracts[kind].found, "fingerprint": fingerprints[kind]}
             for kind in EXTRACT_KINDS if kind in extracts]
    current = db.session.scalar(db.select(IndicatorDataset).where(
        IndicatorDataset.cycle_id == cycle.id))
    previous = [f.get("fingerprint") for f in (current.provenance.get("files", [])
                                                if current else [])]
    warnings = [w.to_dict() for w in extract_warnings(
        extracts, previous_files=[p for p in previous if p], fingerprints=fingerprints)]
    return _save(cycle, "extracts", counts, files, warnings, not_collected(extracts), confirmed)


def load_counts(*, cycle: ReportingCycle, data: bytes, filename: str) -> Loaded:
    """Read a counts template (the layout of the data return too) and save it."""
    counts = read_counts_template(data, filename, limits=upload_limits())
    return _save(cycle, "counts-template", counts,
                 [{"kind": "counts", "filename": filename, "rows": None}], [], [], True)
