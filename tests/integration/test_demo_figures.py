"""The demo's figures look real (issue 12): each cycle's come from its own generated staff,
recruitment and survey files, read, counted and saved as an upload is, and they move from year
to year as real figures do."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import DEMO_CYCLES, demo_changes, demo_results
from tracker.demo.extracts import demo_extracts
from tracker.demo.national import COUNCILS
from tracker.domain.definitions import SERIES_IDS, SERVICE_AREAS
from tracker.domain.stored_results import StoredResults
from tracker.models import AuditEvent, IndicatorDataset, Organisation, ReportingCycle, User


def _dataset(db_session, slug: str, label: str) -> IndicatorDataset:
    return db_session.execute(
        select(IndicatorDataset).join(ReportingCycle).join(Organisation)
        .where(Organisation.slug == slug, ReportingCycle.label == label)).scalar_one()


def test_each_demo_cycle_is_loaded_from_its_own_extracts_as_an_upload_is(demo, db_session):
    lead = db_session.scalar(select(User).filter_by(email="edi.lead@northshire.example.org"))
    fingerprints = set()
    for label in DEMO_CYCLES:
        dataset = _dataset(db_session, "northshire", label)
        assert dataset.source == "extracts" and dataset.loaded_by_id == lead.id
        files = {f["kind"]: f for f in dataset.provenance["files"]}
        assert set(files) == {"staff", "recruitment", "survey"}
        assert files["staff"]["filename"] == f"northshire-staff-{label}.csv"
        assert files["staff"]["rows"] > 2500 and files["survey"]["rows"] > 1000
        assert files["recruitment"]["left_out"] > 0  # applicants never shortlisted
        assert files["staff"]["columns"]["staff_id"] == "Staff ID"  # the HR system's headers
        fingerprints |= {f["fingerprint"] for f in files.values()}
        # exactly what the upload's readers make of the generated files
        saved, expected = StoredResults(dataset.results), demo_results(label)
        assert saved.areas == expected.areas == list(SERVICE_AREAS)
        for area in SERVICE_AREAS:
            assert [saved.series(area, sid) for sid in SERIES_IDS] == \
                [expected.series(area, sid) for sid in SERIES_IDS]
            assert saved.pay_bands(area) == expected.pay_bands(area)
        event = db_session.scalar(select(AuditEvent).filter_by(
            entity_type="indicator_dataset", entity_id=dataset.id, action="loaded"))
        assert event.actor_id == lead.id
    assert len(fingerprints) == 9  # nine different files


def test_no_demo_figure_repeats_from_year_to_year(demo, db_session):
    for area in SERVICE_AREAS:
        for sid in SERIES_IDS:
            values = [demo_results(label).series(area, sid).rl for label in DEMO_CYCLES]
            figures = [v for v in values if v is not None]
            assert len(set(figures)) == len(figures), (area, sid, values)
        bands = [demo_results(label).pay_bands(area) for label in DEMO_CYCLES]
        assert bands[0] != bands[1] != bands[2]


def test_the_demo_moves_some_ways_and_not_others(demo):
    movements = [change.movement for area in SERVICE_AREAS for sid in SERIES_IDS
                 for _, _, change in demo_changes(sid, area)[1:]]
    assert {"towards", "away", "no-clear-change"} <= set(movements)
    assert movements.count("no-clear-change") > movements.count("towards") + \
        movements.count("away")  # most changes are within chance, as in real councils
    latest = [change.movement for area in SERVICE_AREAS for sid in SERIES_IDS
              for _, _, change in demo_changes(sid, area)[-1:]]
    assert {"towards", "away", "no-clear-change"} <= set(latest)


def test_the_demo_has_small_numbers_and_data_quality_notes(demo, db_session):
    latest = demo_results()
    low = [(area, sid) for area in SERVICE_AREAS for sid in SERIES_IDS
           if latest.series(area, sid).low_confidence]
    assert low and len(low) < len(SERVICE_AREAS) * len(SERIES_IDS) // 2
    first = _dataset(db_session, "northshire", "2022-23")
    assert any("Ethnicity is known for" in w["message"] for w in first.provenance["warnings"])
    # declaration improved over the years (the plan's data-quality actions)
    rates = [demo_results(label).declaration_rate("all")["staff"] for label in DEMO_CYCLES]
    assert rates == sorted(rates) and rates[0] < 0.9 < rates[-1]


def test_the_other_councils_have_extracts_of_their_own(demo, db_session):
    seen = set()
    for _, slug, *_ in COUNCILS:
        dataset = _dataset(db_session, slug, "2024-25")
        assert dataset.source == "extracts"
        assert dataset.provenance["files"][0]["filename"] == f"{slug}-staff-2024-25.csv"
        seen.add(dataset.results["all"]["indicators"]["SCW3"]["rl"])
    assert len(seen) == len(COUNCILS)


def test_the_generated_files_are_the_same_every_time():
    assert demo_extracts(slug="northshire", label="2024-25") == demo_extracts(
        slug="northshire", label="2024-25")
    assert demo_extracts(slug="westmere", label="2024-25").staff != demo_extracts(
        slug="northshire", label="2024-25").staff
