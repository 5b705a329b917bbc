"""Loading a cycle's data on the web: preview, save, replace, counts, templates, who may."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlalchemy import inspect, text

from tests.extract_files import small_extracts
from tests.helpers import csrf_token, page
from tracker.extensions import db
from tracker.models import AuditEvent, IndicatorDataset, IndicatorDraft, ReportingCycle

UPLOAD = "/org/northshire/cycles/2024-25/indicators/upload"
RESULTS = "/org/northshire/cycles/2024-25/indicators"
COUNTS = "/org/northshire/cycles/2024-25/indicators/counts"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return small_extracts(tmp_path_factory.mktemp("web-extracts"))


def _upload(client, files: dict[str, tuple[bytes, str]]):
    data = {"csrf_token": csrf_token(client, UPLOAD), "extracts-submit": "Upload and check"}
    for kind, (content, name) in files.items():
        data[f"extracts-{kind}"] = (io.BytesIO(content), name)
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _files(extracts, kinds=("staff", "recruitment", "survey")):
    return {kind: (extracts[kind].read_bytes(), extracts[kind].name) for kind in kinds}


def _save(client, preview_url):
    """Save a preview, ticking "the data is right" (Northshire's demo history has another
    headcount than these files, which the preview rightly points out)."""
    return client.post(preview_url, data={"csrf_token": csrf_token(client, preview_url),
                                          "confirmed": "yes"})


def _cycle_dataset(app, slug="northshire"):
    with app.app_context():
        return db.session.scalar(
            db.select(IndicatorDataset).join(ReportingCycle)
            .where(ReportingCycle.label == "2024-25", ReportingCycle.organisation.has(slug=slug)))


def _rl_cells(response) -> dict[str, str]:
    soup = page(response)
    return {row["id"].removeprefix("row-"): row.select_one(".app-rl").get_text(strip=True)
            for row in soup.select("tr[id^=row-]")}


def test_upload_preview_save_shows_the_same_figures_as_the_cli(app, client_as, runner, extracts):
    lead = client_as("edi_lead")
    response = _upload(lead, _files(extracts))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview_url = response.headers["Location"]
    assert _cycle_dataset(app).counts["all"] != {}  # the demo figures are still the saved ones
    preview = lead.get(preview_url)
    assert "These figures are not saved yet" in preview.get_data(as_text=True)

    cli = {}
    for area in ("all", "adults", "children"):
        result = runner.invoke(args=[
            "tracker", "indicators", "compute", "--staff", str(extracts["staff"]),
            "--recruitment", str(extracts["recruitment"]), "--survey", str(extracts["survey"]),
            "--service-area", area, "--json"])
        cli[area] = json.loads(result.stdout)
        assert cli[area].pop("warnings") == []
    shown = _rl_cells(preview)
    for sid, entry in cli["all"]["indicators"].items():
        if sid != "SCW1":
            assert shown[sid] == ("" if entry["rl"] is None else f"{entry['rl']:.2f}"), sid

    assert _save(lead, preview_url).status_code == 302
    dataset = _cycle_dataset(app)
    assert dataset.results == cli  # unrounded, every field, every service area
    assert dataset.source == "extracts"
    assert [f["filename"] for f in dataset.provenance["files"]] == [
        extracts["staff"].name, extracts["recruitment"].name, extracts["survey"].name]
    assert dataset.provenance["files"][0]["rows"] == 600
    results = lead.get(RESULTS + "?area=adults")
    assert _rl_cells(results)["SCW3"] == (
        "" if cli["adults"]["indicators"]["SCW3"]["rl"] is None
        else f"{cli['adults']['indicators']['SCW3']['rl']:.2f}")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(IndicatorDraft.id))) == 0
        actions = [e.action for e in db.session.scalars(
            db.select(AuditEvent).filter_by(entity_type="indicator_dataset",
                                            entity_id=dataset.id)
            .order_by(AuditEvent.id))]
    assert actions == ["loaded", "replaced"]  # the demo load, then this upload


def test_person_level_rows_are_never_stored(app, client_as, extracts):
    lead = client_as("edi_lead")
    response = _upload(lead, _files(extracts))
    assert _save(lead, response.headers["Location"]).status_code == 302
    with app.app_context():
        dump = []
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f"SELECT * FROM {table}")):
                dump.append(" ".join(str(value) for value in row))
    everything = "\n".join(dump)
    staff_ids = [line.split(",")[0] for line in extracts["staff"].read_text().splitlines()[1:]]
    assert len(staff_ids) == 600 and staff_ids[0] == "S0000001"
    assert [sid for sid in staff_ids if sid in everything] == []
    assert "600" in everything  # the row count is kept as provenance


def test_a_bad_file_shows_every_problem_and_saves_nothing(app, client_as, extracts):
    lead = client_as("edi_lead")
    before = _cycle_dataset(app).results
    bad_staff = (
        b"staff_id,ethnicity,service_area,pay_band,senior_manager,regulated_professional,"
        b"formal_disciplinary,ftp_referral,funded_cpd,left_in_period\n"
        b"S1,Martian,adults,<30k,no,no,no,no,no,no\n"
        b"S1,White: Irish,adults,<30k,perhaps,no,no,no,no,no\n")
    response = _upload(lead, {"staff": (bad_staff, "staff.csv"),
                              "survey": (b"\x00\x01garbage\xff", "survey.xlsx")})
    assert response.status_code == 400
    problems = [li.get_text(" ", strip=True) for li in page(response).select(".app-problem-list li")]
    text_ = "\n".join(problems)
    assert "Martian" in text_ and "row 2" in text_
    assert "'S1' appears more than once" in text_
    assert "perhaps" in text_ and "senior_manager" in text_
    assert "survey.xlsx" in text_
    assert page(response).title.string.startswith("Error: ")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(IndicatorDraft.id))) == 0
    assert _cycle_dataset(app).results == before


def test_missing_staff_extract_is_asked_for(client_as):
    lead = client_as("edi_lead")
    response = _upload(lead, {})
    assert response.status_code == 400
    assert "Select the staff extract" in response.get_data(as_text=True)


def _counts_form(client, values: dict):
    data = {"csrf_token": csrf_token(client, COUNTS), **values}
    return client.post(COUNTS, data=data)


def test_counts_typed_into_the_form(app, client_as):
    lead = client_as("edi_lead")
    response = _counts_form(lead, {
        "service_area": "all",
        "SCW2_gm_numerator": "1465", "SCW2_gm_denominator": "10000",
        "SCW2_white_numerator": "4699", "SCW2_white_denominator": "10000",
        "band1_label": "<30k", "band1_gm": "120", "band1_white": "410", "band1_unknown": "5",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview = lead.get(response.headers["Location"])
    assert _rl_cells(preview)["SCW2"] == "0.31"  # docs/domain.md's worked check
    _save(lead, response.headers["Location"])
    dataset = _cycle_dataset(app)
    assert dataset.source == "counts-form"
    assert set(dataset.results) == {"all"}
    assert dataset.results["all"]["indicators"]["SCW3"]["status"] == "no-data"
    nhs = lead.get(RESULTS + "?orientation=nhs")
    assert _rl_cells(nhs)["SCW2"] == "3.21"


def test_bad_counts_are_named_and_nothing_is_kept(app, client_as):
    lead = client_as("edi_lead")
    before = _cycle_dataset(app).results
    response = _counts_form(lead, {"service_area": "all", "SCW3_gm_numerator": "-4",
                                   "SCW3_gm_denominator": "ten"})
    assert response.status_code == 400
    messages = [li.get_text(strip=True) for li in
                page(response).select(".govuk-error-summary__list li")]
    assert "SCW3 global majority: entered the formal disciplinary process must be 0 or more" in \
        messages
    assert "SCW3 global majority: staff must be a whole number, like 12" in messages
    response = _counts_form(lead, {"service_area": "all", "SCW3_gm_numerator": "40",
                                   "SCW3_gm_denominator": "20"})
    assert response.status_code == 400
    assert "larger" in page(response).select_one(".app-problem-list").get_text()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(IndicatorDraft.id))) == 0
    assert _cycle_dataset(app).results == before


def test_counts_template_upload(app, client_as):
    lead = client_as("edi_lead")
    template = lead.get("/data-templates/counts.csv")
    assert template.status_code == 200
    header = template.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header == "service_area,indicator,band,group,numerator,denominator"
    content = (header + "\nadults,SCW3,,gm,14,451\nadults,SCW3,,white,25,1731\n"
               "children,SCW3,,gm,5,173\nchildren,SCW3,,white,9,632\n").encode()
    data = {"csrf_token": csrf_token(lead, UPLOAD), "counts-submit": "Upload and check counts",
            "counts-counts_file": (io.BytesIO(content), "counts.csv")}
    response = lead.post(UPLOAD, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    _save(lead, response.headers["Location"])
    dataset = _cycle_dataset(app)
    assert set(dataset.results) == {"all", "adults", "children"}
    assert dataset.results["all"]["indicators"]["SCW3"]["gm"] == {"numerator": 19,
                                                                  "denominator": 624}


@pytest.mark.parametrize("kind", ["staff", "recruitment", "survey", "counts"])
def test_templates_download_as_csv_and_xlsx(client_as, kind):
    client = client_as("viewer")
    csv_ = client.get(f"/data-templates/{kind}.csv")
    assert csv_.status_code == 200 and csv_.mimetype == "text/csv"
    xlsx = client.get(f"/data-templates/{kind}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    first_row = [cell.value for cell in sheet[1]]
    assert ",".join(first_row) == csv_.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]


def test_unknown_template_is_not_found(client_as):
    assert client_as("viewer").get("/data-templates/payroll.csv").status_code == 404


def test_chart_is_server_side_svg(client_as):
    response = client_as("viewer").get(RESULTS + "/chart.svg?area=children")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<svg" in svg and "<script" not in svg
    assert "SCW2 Appointed from shortlisting" in svg and "children" in svg


ROLE_STATUS = {
    # role: (results page, upload page, chart)
    "edi_lead": (200, 200, 200),
    "action_owner": (200, 403, 200),
    "sponsor": (200, 403, 200),
    "viewer": (200, 403, 200),
    "advisor": (200, 403, 200),
    "administrator": (404, 404, 404),
    "other_org": (404, 404, 404),
    "anonymous": (302, 302, 302),
}


@pytest.mark.parametrize("role", list(ROLE_STATUS))
def test_who_may_see_and_load_the_figures(client_as, role):
    client = client_as(role)
    got = (client.get(RESULTS).status_code, client.get(UPLOAD).status_code,
           client.get(RESULTS + "/chart.svg").status_code)
    assert got == ROLE_STATUS[role]


def test_someone_elses_draft_cannot_be_seen_or_saved(app, client_as, extracts):
    lead = client_as("edi_lead")
    preview_url = _upload(lead, _files(extracts, ["staff"])).headers["Location"]
    other_lead = client_as("other_org")
    assert other_lead.get(preview_url).status_code == 404
    token = csrf_token(other_lead, "/")
    assert other_lead.post(preview_url, data={"csrf_token": token}).status_code == 404
    # a second EDI lead of the same organisation does not see it either
    with app.app_context():
        from tracker.domain.roles import Role
        from tracker.models import Membership, Organisation, User
        org = db.session.scalar(db.select(Organisation).filter_by(slug="northshire"))
        sponsor = db.session.scalar(db.select(User).filter_by(
            email="sponsor@northshire.example.org"))
        db.session.add(Membership(user_id=sponsor.id, organisation_id=org.id, role=Role.EDI_LEAD))
        db.session.commit()
    assert client_as("sponsor").get(preview_url).status_code == 404


def test_results_page_says_when_nothing_is_loaded(client_as):
    lead = client_as("edi_lead")
    response = lead.get("/org/northshire/cycles/2099-00/indicators")
    assert response.status_code == 404
    eastbrook = client_as("advisor").get("/org/eastbrook/cycles/2024-25/indicators")
    assert eastbrook.status_code == 200
    assert "No figures have been loaded for 2024-25 yet" in eastbrook.get_data(as_text=True)
