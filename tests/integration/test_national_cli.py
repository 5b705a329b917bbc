"""`flask tracker indicators load|submit` and `flask tracker national report --json`."""

from __future__ import annotations

import csv
import json
import random

import pytest
from sqlalchemy import select

from tests.extract_files import small_extracts
from tests.factories import demo_counts_rows
from tracker.domain.counts import TEMPLATE_COLUMNS
from tracker.domain.definitions import SERIES_IDS
from tracker.models import AuditEvent, IndicatorDataset, Submission


def _write_counts(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row[k] is None else row[k] for k in TEMPLATE_COLUMNS})
    return path


def _jittered(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for row in demo_counts_rows():
        row = dict(row)
        if row["denominator"] is None:
            row["numerator"] += rng.randint(0, 30)
        else:
            row["denominator"] += rng.randint(0, 40)
            row["numerator"] = min(row["denominator"], row["numerator"] + rng.randint(0, 25))
        rows.append(row)
    return rows


@pytest.fixture
def cycle(factories):
    return factories.cycle(organisation=factories.organisation(slug="eastham"), start_year=2024)


def _invoke(runner, *args):
    return runner.invoke(args=["tracker", *args])


def test_load_counts_saves_them_audited_and_submit_submits(runner, cycle, tmp_path, db_session):
    path = _write_counts(tmp_path / "counts.csv", demo_counts_rows())
    result = _invoke(runner, "indicators", "load", "--org", "eastham", "--cycle", "2024-25",
                     "--counts", str(path))
    assert result.exit_code == 0, result.output
    dataset = db_session.scalar(select(IndicatorDataset))
    assert dataset.cycle_id == cycle.id and dataset.source == "counts-template"
    assert dataset.results["adults"]["indicators"]["SCW2"]["gm"]["numerator"] == 43
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.entity_type == "indicator_dataset"))
    assert (event.action, event.actor_id) == ("loaded", None)

    result = _invoke(runner, "indicators", "submit", "--org", "eastham", "--cycle", "2024-25")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Submission)).cycle_id == cycle.id
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.entity_type == "submission")).action == "submitted"


def test_load_extracts_as_the_upload_does(runner, cycle, tmp_path, db_session):
    files = small_extracts(tmp_path)
    result = _invoke(runner, "indicators", "load", "--org", "eastham", "--cycle", "2024-25",
                     "--staff", str(files["staff"]), "--recruitment", str(files["recruitment"]),
                     "--survey", str(files["survey"]), "--confirm-warnings")
    assert result.exit_code == 0, result.output
    dataset = db_session.scalar(select(IndicatorDataset))
    assert dataset.source == "extracts"
    assert [f["kind"] for f in dataset.provenance["files"]] == ["staff", "recruitment", "survey"]


def test_bad_files_save_nothing_and_name_the_row(runner, cycle, tmp_path, db_session):
    rows = demo_counts_rows()
    rows[3] = {**rows[3], "numerator": "lots"}
    path = _write_counts(tmp_path / "counts.csv", rows)
    result = _invoke(runner, "indicators", "load", "--org", "eastham", "--cycle", "2024-25",
                     "--counts", str(path))
    assert result.exit_code == 2
    assert "row 5" in result.output and "numerator" in result.output
    assert db_session.scalars(select(IndicatorDataset)).all() == []


@pytest.mark.parametrize(("args", "message"), [
    ([], "Give either --staff"),
    (["--org", "nowhere"], "There is no organisation with the short name 'nowhere'"),
    (["--cycle", "2031-32"], "has no cycle '2031-32'"),
])
def test_load_refuses_what_it_cannot_do(runner, cycle, tmp_path, args, message, db_session):
    options = {"--org": "eastham", "--cycle": "2024-25"}
    for name, value in zip(args[::2], args[1::2], strict=True):
        options[name] = value
    extra = [] if not args else ["--counts", str(_write_counts(tmp_path / "c.csv",
                                                               demo_counts_rows()))]
    result = _invoke(runner, "indicators", "load",
                     *[part for item in options.items() for part in item], *extra)
    assert result.exit_code == 2
    assert message in result.output
    assert db_session.scalars(select(IndicatorDataset)).all() == []


def test_submit_without_saved_data_is_refused(runner, cycle, db_session):
    result = _invoke(runner, "indicators", "submit", "--org", "eastham", "--cycle", "2024-25")
    assert result.exit_code == 2
    assert "Save the cycle's data before submitting it" in result.output
    assert db_session.scalars(select(Submission)).all() == []


def test_national_report_json_has_the_contract_keys_and_the_summed_counts(
        runner, factories, tmp_path, db_session):
    councils = []
    for i in range(6):
        org = factories.organisation(slug=f"council-{i}")
        factories.cycle(organisation=org, start_year=2024)
        rows = _jittered(i)
        councils.append(rows)
        path = _write_counts(tmp_path / f"{i}.csv", rows)
        for command in (["load", "--counts", str(path)], ["submit"]):
            result = _invoke(runner, "indicators", command[0], "--org", org.slug,
                             "--cycle", "2024-25", *command[1:])
            assert result.exit_code == 0, result.output
    unsubmitted = factories.organisation(slug="late-council")
    factories.dataset(cycle=factories.cycle(organisation=unsubmitted, start_year=2024))

    result = _invoke(runner, "national", "report", "--cycle", "2024-25",
                     "--service-area", "adults", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["submitted_councils"] == 6 and data["service_area"] == "adults"
    assert list(data["indicators"]) == ["SCW1", *SERIES_IDS]
    for sid in SERIES_IDS:
        entry = data["indicators"][sid]
        assert {"pooled", "median", "q1", "q3", "within_range_share", "councils",
                "withheld"} <= set(entry)
        assert set(entry["pooled"]) == {"rl", "ci_low", "ci_high", "gm", "white"}
        assert entry["councils"] == 6
    scw2 = data["indicators"]["SCW2"]["pooled"]
    for group in ("gm", "white"):
        picked = [r for rows in councils for r in rows if r["service_area"] == "adults"
                  and r["indicator"] == "SCW2" and r["group"] == group]
        assert scw2[group] == {"numerator": sum(r["numerator"] for r in picked),
                               "denominator": sum(r["denominator"] for r in picked)}
    # SCW4's GM referrals are few: the pooled count is shown or withheld, never below 10
    scw4 = data["indicators"]["SCW4"]
    shown = scw4["pooled"]["gm"]["numerator"]
    assert shown is None or shown >= 10
    assert "council-" not in result.stdout


def test_national_report_of_too_few_councils_withholds_with_the_reason(runner, factories):
    for i in range(3):
        org = factories.organisation(slug=f"few-{i}")
        dataset = factories.dataset(cycle=factories.cycle(organisation=org, start_year=2024))
        db_submission = Submission(cycle_id=dataset.cycle_id, data_loaded_at=dataset.loaded_at)
        from tests.factories import current_session
        current_session().add(db_submission)
    result = _invoke(runner, "national", "report", "--cycle", "2024-25", "--json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["indicators"]["SCW3"]
    assert entry["pooled"]["rl"] is None and entry["councils"] == 3
    assert entry["withheld"]["pooled"] == "fewer than 5 councils"
