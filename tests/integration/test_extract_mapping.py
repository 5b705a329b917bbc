"""The mapping page: a council's own headers and labels chosen once, kept per organisation and
extract kind (audited), used at the next upload, and downloaded or uploaded as the CLI's file."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tests.extract_files import small_extracts
from tests.helpers import csrf_token, page
from tracker.domain.roles import Role
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ExtractMapping,
    HeldExtract,
    IndicatorDraft,
    Organisation,
)

UPLOAD = "/org/northshire/cycles/2024-25/indicators/upload"
MAPPING = "/org/northshire/cycles/2024-25/indicators/mapping"
SAVED = "/org/northshire/extract-mapping"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return small_extracts(tmp_path_factory.mktemp("mapping-extracts"))


def itrent_staff(extracts) -> bytes:
    """The staff extract as an HR system might export it: its own headers and a label of its
    own (the people are the same, so the figures must be too)."""
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc",
                                  "left_in_period": "Leaving Flag"})
    frame["Ethnic Desc"] = frame["Ethnic Desc"].replace({"Roma": "WB*"})
    return frame.to_csv(index=False).encode()


def _upload(client, content: bytes, name: str = "itrent.csv"):
    data = {"csrf_token": csrf_token(client, UPLOAD), "extracts-submit": "Upload and check",
            "extracts-staff": (io.BytesIO(content), name)}
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _options(soup, name: str) -> dict[str, str]:
    select = soup.select_one(f"select[name='{name}']")
    assert select is not None, name
    return {o.get_text(strip=True): o["value"] for o in select.select("option")}


def _value_field(soup, label: str) -> str:
    for select in soup.select("select[name^='value-']"):
        if soup.select_one(f"label[for='{select['id']}']").get_text(strip=True).startswith(
                f"'{label}'"):
            return select["name"]
    raise AssertionError(f"no drop-down for {label}")


def _choices(soup) -> dict[str, str]:
    """The columns and labels chosen as a person would: the headers the page offers."""
    staff_id = _options(soup, "column-staff-staff_id")
    ethnicity = _options(soup, "column-staff-ethnicity")
    leaver = _options(soup, "column-staff-left_in_period")
    return {
        "column-staff-staff_id": next(v for t, v in staff_id.items() if t.startswith("Emp Ref")),
        "column-staff-ethnicity": next(v for t, v in ethnicity.items()
                                       if t.startswith("Ethnic Desc")),
        "column-staff-left_in_period": next(v for t, v in leaver.items()
                                            if t.startswith("Leaving Flag")),
    }


def _cli(runner, path) -> dict:
    result = runner.invoke(args=["tracker", "indicators", "compute", "--staff", str(path),
                                 "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_first_upload_goes_through_the_mapping_page_and_the_next_goes_straight_in(
        app, client_as, runner, extracts):
    lead = client_as("edi_lead")
    response = _upload(lead, itrent_staff(extracts))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(MAPPING)
    with app.app_context():
        [held] = db.session.scalars(db.select(HeldExtract)).all()
        assert held.filename == "itrent.csv" and held.kind == "staff"

    soup = page(lead.get(MAPPING))
    assert soup.h1.get_text(strip=True) == "Match your files to the 2024-25 data"
    assert "Read as CSV: comma-delimited, UTF-8; headers in row 1" in soup.get_text()
    # each field offers the file's headers, with sample values
    offered = _options(soup, "column-staff-staff_id")
    assert any(t.startswith("Emp Ref (for example ") for t in offered)
    assert soup.select_one("#column-staff-staff_id-hint").get_text(strip=True) == \
        "Not found: choose the column that holds it"
    assert soup.select_one("#column-staff-service_area-hint").get_text(strip=True) == \
        "Found by its name"
    choices = _choices(soup)

    # a label nobody knows is listed with its rows only once its column is chosen
    token = csrf_token(lead, MAPPING)
    refused = lead.post(MAPPING, data={"csrf_token": token,
                                       "column-staff-staff_id": choices["column-staff-staff_id"]})
    assert refused.status_code == 400
    summary = page(refused).select_one(".govuk-error-summary").get_text()
    assert "Choose the column of itrent.csv that holds ethnicity" in summary
    assert "Choose the column of itrent.csv that holds left in the period" in summary

    # the same header for two fields is refused
    twice = lead.post(MAPPING, data={**choices, "csrf_token": token,
                                     "column-staff-left_in_period":
                                         choices["column-staff-staff_id"]})
    assert twice.status_code == 400
    assert "Column 'Emp Ref' is already chosen for staff_id" in page(twice).get_text()

    with_columns = lead.post(MAPPING, data={**choices, "csrf_token": token})
    assert with_columns.status_code == 400  # the label is still to be given a meaning
    soup = page(with_columns)
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    roma = int((frame["ethnicity"] == "Roma").sum())
    field = _value_field(soup, "WB*")
    assert f"Choose what 'WB*' means ({roma:,} rows)" in \
        soup.select_one(".govuk-error-summary").get_text()
    assert _options(soup, field) == {"Choose what it means": "", "Global majority": "gm",
                                     "White": "white", "Unknown (not stated)": "unknown"}
    with app.app_context():
        assert db.session.scalars(db.select(ExtractMapping)).all() == []  # nothing kept yet

    saved = lead.post(MAPPING, data={**choices, field: "white", "csrf_token": token})
    assert saved.status_code == 302
    assert "/indicators/preview/" in saved.headers["Location"]
    with app.app_context():
        assert db.session.scalars(db.select(HeldExtract)).all() == []  # gone once computed
        rows = {m.kind: m.entries for m in db.session.scalars(db.select(ExtractMapping))}
        assert rows == {"staff": {"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc",
                                  "left_in_period": "Leaving Flag"},
                        "values": {"ethnicity": {"WB*": "white"}}}
        [event] = db.session.scalars(db.select(AuditEvent).filter_by(
            entity_type="extract_mapping")).all()
        assert event.action == "changed" and event.before["values"]["ethnicity"] == {}
        assert event.after["staff"]["columns"]["staff_id"] == "Emp Ref"
        draft = db.session.scalars(db.select(IndicatorDraft)).one()
        assert draft.provenance["files"][0]["columns"]["staff_id"] == "Emp Ref"
    preview = lead.get(saved.headers["Location"])
    assert "Your organisation's mapping has been saved" in page(preview).get_text()

    # the figures are those of the file in the tracker's own names
    expected = _cli(runner, extracts["staff"])
    assert lead.post(saved.headers["Location"],
                     data={"csrf_token": csrf_token(lead, saved.headers["Location"]),
                           "confirmed": "yes"}).status_code == 302
    with app.app_context():  # the file waited in the database only until it was counted
        dump = "\n".join(" ".join(str(v) for v in row) for table in db.metadata.sorted_tables
                         for row in db.session.execute(table.select()))
    assert "S0000001" not in dump and "Emp Ref" in dump
    from tests.integration.test_indicators_web import _cycle_dataset

    staff_series = ("SCW1", "SCW3", "SCW4", "SCW5", "SCW8", "SCW9")  # the demo's others kept
    saved = _cycle_dataset(app).results["all"]["indicators"]
    assert {sid: saved[sid] for sid in staff_series} == \
        {sid: expected["indicators"][sid] for sid in staff_series}

    # next year's export goes straight to the preview
    again = _upload(lead, itrent_staff(extracts), "itrent-2025.csv")
    assert again.status_code == 302 and "/indicators/preview/" in again.headers["Location"]


def test_the_saved_mapping_downloads_as_the_cli_file_and_uploads_back(
        app, client_as, runner, extracts, tmp_path):
    lead = client_as("edi_lead")
    soup = page(lead.get(SAVED))
    assert "There is no saved mapping yet" in soup.get_text()
    mapping = {"staff": {"columns": {"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc",
                                     "left_in_period": "Leaving Flag"}},
               "values": {"ethnicity": {"WB*": "white"}, "service_area": {}, "yes_no": {},
                          "outcome": {}}}
    data = {"csrf_token": csrf_token(lead, SAVED),
            "mapping_file": (io.BytesIO(json.dumps(mapping).encode()), "ours.json")}
    uploaded = lead.post(SAVED, data=data, content_type="multipart/form-data")
    assert uploaded.status_code == 302
    soup = page(lead.get(SAVED))
    assert "The mapping file has been uploaded" in soup.get_text()
    assert "Emp Ref" in soup.select_one("table").get_text()

    download = lead.get(SAVED + ".json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.json == mapping
    # the downloaded file is what the command line takes
    (tmp_path / "hr.csv").write_bytes(itrent_staff(extracts))
    (tmp_path / "m.json").write_bytes(download.data)
    result = runner.invoke(args=["tracker", "indicators", "compute", "--staff",
                                 str(tmp_path / "hr.csv"), "--mapping", str(tmp_path / "m.json"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == _cli(runner, extracts["staff"])

    # and the upload uses it at once
    assert "/indicators/preview/" in _upload(lead, itrent_staff(extracts)).headers["Location"]
    with app.app_context():
        [event] = db.session.scalars(db.select(AuditEvent).filter_by(
            entity_type="extract_mapping")).all()
        assert event.action == "uploaded" and event.after == mapping


def test_a_bad_mapping_file_is_named_and_changes_nothing(app, client_as):
    lead = client_as("edi_lead")
    bad = {"staff": {"columns": {"colour": "Hair"}}, "values": {"ethnicity": {"X": "purple"}}}
    for content, message in [
        (json.dumps(bad).encode(), "The staff extract has no column 'colour'"),
        (json.dumps(bad).encode(), "ethnicity value 'X' must mean gm or white or unknown"),
        (b"\xff not json", "The mapping file must be JSON"),
    ]:
        data = {"csrf_token": csrf_token(lead, SAVED),
                "mapping_file": (io.BytesIO(content), "bad.json")}
        response = lead.post(SAVED, data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert message in page(response).select_one(".govuk-error-summary").get_text()
    with app.app_context():
        assert db.session.scalars(db.select(ExtractMapping)).all() == []


def test_an_unreadable_file_is_an_error_not_a_mapping(client_as):
    response = _upload(client_as("edi_lead"), b"\x00\x01\x02", "staff.csv")
    assert response.status_code == 400
    assert "must be a CSV file or a spreadsheet" in page(response).get_text()


def test_a_waiting_upload_is_only_its_uploaders_and_only_for_a_day(
        app, client_as, client_for, factories, extracts, db_session, time_machine):
    lead = client_as("edi_lead")
    assert _upload(lead, itrent_staff(extracts)).status_code == 302
    northshire = db_session.scalar(db.select(Organisation).filter_by(slug="northshire"))
    other_lead = factories.member(role=Role.EDI_LEAD, organisation=northshire)
    db_session.commit()
    other = client_for(other_lead)
    response = other.get(MAPPING)
    assert response.status_code == 302 and response.headers["Location"].endswith(UPLOAD)
    assert "There is no upload waiting" in page(other.get(UPLOAD)).get_text()
    assert lead.get(MAPPING).status_code == 200

    time_machine.move_to(datetime.now(UTC) + timedelta(days=1, minutes=1))
    assert lead.get(MAPPING).status_code == 302
    # and the daily job deletes it
    from tracker.services.extract_mappings import forget_held_extracts

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(HeldExtract.id))) == 1
        assert forget_held_extracts() == 1
        assert db.session.scalar(db.select(db.func.count(HeldExtract.id))) == 0


@pytest.mark.parametrize("role,status", [
    ("edi_lead", 200), ("action_owner", 403), ("sponsor", 403), ("viewer", 403),
    ("advisor", 403), ("administrator", 404), ("other_org", 404), ("anonymous", 302)])
def test_who_may_see_and_change_the_mapping(client_as, role, status):
    client = client_as(role)
    assert client.get(SAVED).status_code == status
    assert client.get(SAVED + ".json").status_code == status
    assert client.get(MAPPING).status_code == (302 if status == 200 else status)


def test_a_recruitment_systems_outcome_column_is_mapped_to_shortlisted_and_appointed(
        app, client_as, extracts):
    frame = pd.read_csv(extracts["recruitment"], dtype=str, keep_default_na=False)
    appointed = frame["appointed"].str.strip().str.casefold().isin(["yes", "y", "true", "1"])
    frame["Outcome"] = appointed.map({True: "Appointed", False: "Unsuccessful"})
    frame = frame.drop(columns=["appointed"])
    extra = frame.head(7).assign(Outcome="Not shortlisted")  # never shortlisted: left out
    content = pd.concat([frame, extra]).to_csv(index=False).encode()
    lead = client_as("edi_lead")
    data = {"csrf_token": csrf_token(lead, UPLOAD), "extracts-submit": "Upload and check",
            "extracts-staff": (io.BytesIO(extracts["staff"].read_bytes()), "staff.csv"),
            "extracts-recruitment": (io.BytesIO(content), "trac.csv")}
    response = lead.post(UPLOAD, data=data, content_type="multipart/form-data")
    assert response.headers["Location"].endswith(MAPPING)
    soup = page(lead.get(MAPPING))
    assert soup.select_one("#column-recruitment-appointed-hint").get_text(strip=True) == \
        "Found by its name"  # 'Outcome' is a known spelling of appointed
    field = _value_field(soup, "Unsuccessful")
    assert _options(soup, field) == {
        "Choose what it means": "", "Appointed": "appointed",
        "Shortlisted, not appointed": "shortlisted", "Not shortlisted (left out)":
            "not-shortlisted"}
    saved = lead.post(MAPPING, data={"csrf_token": csrf_token(lead, MAPPING),
                                     field: "shortlisted",
                                     **{n["name"]: n.select_one("option[selected]")["value"]
                                        for n in soup.select("select[name^='column-']")}})
    assert saved.status_code == 302, page(saved).get_text()[:3000]
    preview = page(lead.get(saved.headers["Location"]))
    assert "7 applicants not shortlisted left out" in preview.get_text()
    with app.app_context():
        draft = db.session.scalars(db.select(IndicatorDraft)).one()
        [recruitment] = [f for f in draft.provenance["files"] if f["kind"] == "recruitment"]
        assert recruitment["rows"] == len(frame) and recruitment["left_out"] == 7
        scw2 = draft.counts["all"]["series"]["SCW2"]
        assert sum(g["numerator"] for g in scw2.values()) == int(appointed.sum())
        assert sum(g["denominator"] for g in scw2.values()) == len(frame)
        assert db.session.scalars(db.select(ExtractMapping).filter_by(kind="values")
                                  ).one().entries == {"outcome": {"Unsuccessful": "shortlisted"}}


def test_a_near_miss_header_is_suggested_on_the_mapping_page(client_as, extracts):
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    content = frame.rename(columns={"ethnicity": "Ethnicty"}).to_csv(index=False).encode()
    lead = client_as("edi_lead")
    assert _upload(lead, content).headers["Location"].endswith(MAPPING)
    soup = page(lead.get(MAPPING))
    assert soup.select_one("#column-staff-ethnicity-hint").get_text(strip=True) == \
        "Not found: choose the column that holds it (did you mean 'Ethnicty'?)"
    # nothing is chosen for it without the EDI lead choosing
    assert soup.select("#column-staff-ethnicity option[selected]") == []


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_another_sheet_is_chosen_on_the_mapping_page(app, client_as, extracts):
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False).head(40)
    frame = frame.rename(columns={"staff_id": "Emp Ref"})
    summary = [["ethnicity", "service_area", "people"], ["White", "adults", 20]]
    content = _workbook({"Summary": summary,
                         "Staff": [list(frame.columns), *frame.values.tolist()]})
    lead = client_as("edi_lead")
    assert _upload(lead, content, "hr.xlsx").headers["Location"].endswith(MAPPING)
    soup = page(lead.get(MAPPING))
    assert "Read sheet 'Summary' of the XLSX workbook (other sheets: 'Staff')" in soup.get_text()
    assert _options(soup, "sheet-staff") == {"Summary": "Summary", "Staff": "Staff"}
    moved = lead.post(MAPPING, data={"csrf_token": csrf_token(lead, MAPPING), "action": "sheet",
                                     "sheet-staff": "Staff"})
    assert moved.status_code == 302
    soup = page(lead.get(MAPPING))
    assert "Read sheet 'Staff' of the XLSX workbook (other sheets: 'Summary')" in soup.get_text()
    # a sheet the workbook does not have is ignored
    lead.post(MAPPING, data={"csrf_token": csrf_token(lead, MAPPING), "action": "sheet",
                             "sheet-staff": "../../etc/passwd"})
    assert "Read sheet 'Staff'" in page(lead.get(MAPPING)).get_text()
    choice = next(v for t, v in _options(soup, "column-staff-staff_id").items()
                  if t.startswith("Emp Ref"))
    saved = lead.post(MAPPING, data={"csrf_token": csrf_token(lead, MAPPING),
                                     "column-staff-staff_id": choice})
    assert saved.status_code == 302 and "/indicators/preview/" in saved.headers["Location"]
    preview = page(lead.get(saved.headers["Location"]))
    assert "Read sheet 'Staff' of the XLSX workbook" in preview.get_text()


def test_what_no_mapping_can_solve_is_said_after_the_mapping_is_kept(app, client_as, extracts):
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False).head(40)
    frame = frame.rename(columns={"staff_id": "Emp Ref"})
    frame.loc[5, "Emp Ref"] = frame.loc[4, "Emp Ref"]  # one person twice
    lead = client_as("edi_lead")
    assert _upload(lead, frame.to_csv(index=False).encode()).headers["Location"].endswith(
        MAPPING)
    soup = page(lead.get(MAPPING))
    choice = next(v for t, v in _options(soup, "column-staff-staff_id").items()
                  if t.startswith("Emp Ref"))
    response = lead.post(MAPPING, data={"csrf_token": csrf_token(lead, MAPPING),
                                        "column-staff-staff_id": choice})
    assert response.status_code == 302 and response.headers["Location"].endswith(MAPPING)
    summary = page(lead.get(MAPPING)).select_one(".govuk-error-summary").get_text()
    assert f"Staff ID '{frame.loc[4, 'Emp Ref']}' appears more than once, in rows 6, 7" \
        in summary
    with app.app_context():
        assert db.session.scalars(db.select(ExtractMapping)).one().entries == {
            "staff_id": "Emp Ref"}
        assert db.session.scalars(db.select(IndicatorDraft)).all() == []
