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
    # the form gave staff (the pay bands) and recruitment (SCW2) figures: the survey figures
    # saved before (from the demo's generated extracts) are kept beside them, and the page
    # says so
    assert dataset.source == "mixed"
    assert {k: v["source"] for k, v in dataset.provenance["sources"].items()} == {
        "staff": "counts-form", "recruitment": "counts-form", "survey": "extracts"}
    assert set(dataset.results) == {"all", "adults", "children"}  # the survey's areas kept
    assert dataset.results["all"]["indicators"]["SCW3"]["status"] == "no-data"
    assert dataset.results["all"]["indicators"]["SCW6"]["status"] == "ok"
    assert dataset.results["adults"]["indicators"]["SCW2"]["status"] == "no-data"
    assert dataset.results["adults"]["indicators"]["SCW6"]["status"] == "ok"
    sources = page(lead.get(RESULTS))
    assert sources.select_one("#source-staff dd").get_text(strip=True) == \
        "Counts typed into the form"
    assert sources.select_one("#source-survey dd").get_text(strip=True).startswith(
        "Record-level extracts (kept from the figures saved on ")
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
                                   "SCW3_gm_denominator": "20", "SCW8_white_numerator": "3",
                                   "band2_gm": "4"})
    assert response.status_code == 400
    soup = page(response)
    # in words about boxes, each error linked to its box and shown on it
    errors = {a["href"]: a.get_text(strip=True)
              for a in soup.select(".govuk-error-summary__list a")}
    assert errors == {
        "#SCW3_gm_numerator": "SCW3, global majority: the box for 'entered the formal "
                              "disciplinary process' (40) must not be larger than the box for "
                              "'staff' (20)",
        "#SCW8_white_denominator": "SCW8, white: enter the box for 'staff' too, or clear the "
                                   "box for 'leavers'",
        "#band2_label": "Enter the name of pay band 2, or clear its boxes",
        "#band2_white": "Enter the number of white staff in post in pay band 2, or 0",
        "#band2_unknown": "Enter the number of unknown ethnicity staff in post in pay band 2, "
                          "or 0",
    }
    assert "govuk-input--error" in soup.select_one("#SCW3_gm_numerator")["class"]
    assert "row" not in soup.select_one(".govuk-error-summary").get_text()
    assert soup.select_one(".app-problem-list") is None
    nothing = _counts_form(lead, {"service_area": "all"})
    assert "Enter the counts of at least one indicator" in page(nothing).select_one(
        ".govuk-error-summary").get_text()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(IndicatorDraft.id))) == 0
    assert _cycle_dataset(app).results == before


def test_adults_and_childrens_counts_on_one_page(app, client_as):
    lead = client_as("edi_lead")
    url = COUNTS + "?by=area"
    soup = page(lead.get(url))
    assert soup.select_one("input[name='service_area']") is None
    assert soup.select_one("#adults_SCW3_gm_numerator") and \
        soup.select_one("#children_SCW3_gm_numerator")
    response = lead.post(url, data={
        "csrf_token": csrf_token(lead, url),
        "adults_SCW3_gm_numerator": "14", "adults_SCW3_gm_denominator": "451",
        "adults_SCW3_white_numerator": "25", "adults_SCW3_white_denominator": "1731",
        "children_SCW3_gm_numerator": "5", "children_SCW3_gm_denominator": "173",
        "children_SCW3_white_numerator": "9", "children_SCW3_white_denominator": "40",
        "children_SCW8_gm_numerator": "50", "children_SCW8_gm_denominator": "5"})
    assert response.status_code == 400
    assert "SCW8, global majority, children: the box for 'leavers' (50) must not be larger " \
           "than the box for 'staff' (5)" in page(response).get_text()
    response = lead.post(url, data={
        "csrf_token": csrf_token(lead, url),
        "adults_SCW3_gm_numerator": "14", "adults_SCW3_gm_denominator": "451",
        "adults_SCW3_white_numerator": "25", "adults_SCW3_white_denominator": "1731",
        "children_SCW3_gm_numerator": "5", "children_SCW3_gm_denominator": "173",
        "children_SCW3_white_numerator": "9", "children_SCW3_white_denominator": "632",
        "band1_label": "<30k", "adults_band1_gm": "10", "adults_band1_white": "30",
        "adults_band1_unknown": "0"})
    assert response.status_code == 302, page(response).get_text()[:3000]
    with app.app_context():
        draft = db.session.scalars(db.select(IndicatorDraft)).one()
        assert set(draft.counts) == {"all", "adults", "children"}
        assert draft.counts["all"]["series"]["SCW3"]["gm"] == {"numerator": 19,
                                                              "denominator": 624}
        assert draft.counts["adults"]["bands"][0]["white"] == 30
        assert draft.counts["children"]["bands"] == []


def test_counts_template_upload(app, client_as):
    lead = client_as("edi_lead")
    template = lead.get("/data-templates/counts.csv")
    assert template.status_code == 200
    header = template.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header == "service_area,indicator,band,group,numerator,denominator,description"
    header = header.removesuffix(",description")  # the description is not needed to read it
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


@pytest.mark.parametrize("kind", ["staff", "recruitment", "survey", "counts", "counts-wide"])
def test_templates_download_as_csv_and_xlsx(client_as, kind):
    client = client_as("viewer")
    csv_ = client.get(f"/data-templates/{kind}.csv")
    assert csv_.status_code == 200 and csv_.mimetype == "text/csv"
    xlsx = client.get(f"/data-templates/{kind}.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[:3] == ["data", "Guidance", "Example"]
    first_row = [cell.value for cell in book["data"][1]]
    assert ",".join(first_row) == csv_.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert "Excel templates explain each column on a Guidance sheet" in page(
        client_as("edi_lead").get(UPLOAD)).get_text()


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


def test_staff_rows_plus_the_survey_providers_totals_and_one_kind_replaced(
        app, demo, client, extracts):
    """Eastbrook (no figures yet): staff from the HR extract, the survey from the survey
    provider's totals typed in, then the staff file replaced without typing the survey again."""
    from tests.helpers import sign_in

    assert sign_in(client, "edi.lead@eastbrook.example.org").status_code == 302
    base = "/org/eastbrook/cycles/2024-25/indicators"

    def upload_staff(content: bytes):
        data = {"csrf_token": csrf_token(client, base + "/upload"),
                "extracts-submit": "Upload and check",
                "extracts-staff": (io.BytesIO(content), "staff.csv")}
        response = client.post(base + "/upload", data=data, content_type="multipart/form-data")
        assert response.status_code == 302
        assert _save(client, response.headers["Location"]).status_code == 302

    def eastbrook():
        return _cycle_dataset(app, "eastbrook")

    upload_staff(extracts["staff"].read_bytes())
    staff_only = eastbrook().results["all"]["indicators"]
    assert staff_only["SCW6"]["status"] == "no-data"

    survey = {"csrf_token": csrf_token(client, base + "/counts"), "service_area": "all",
              "SCW6_gm_numerator": "30", "SCW6_gm_denominator": "100",
              "SCW6_white_numerator": "40", "SCW6_white_denominator": "300"}
    response = client.post(base + "/counts", data=survey)
    assert response.status_code == 302, page(response).get_text()[:2000]
    preview = page(client.get(response.headers["Location"]))
    assert preview.select_one("#source-staff dd").get_text(strip=True).startswith(
        "Record-level extracts (kept from the figures saved on ")
    assert preview.select_one("#source-survey dd").get_text(strip=True) == \
        "Counts typed into the form"
    assert _save(client, response.headers["Location"]).status_code == 302
    both = eastbrook()
    assert both.source == "mixed"
    assert both.results["all"]["indicators"]["SCW6"]["rl"] == pytest.approx(0.3 / (40 / 300))
    for sid in ("SCW3", "SCW5", "SCW8", "SCW9"):
        assert both.results["all"]["indicators"][sid] == staff_only[sid]
    assert [f["filename"] for f in both.provenance["files"]] == ["staff.csv"]

    # a corrected staff file replaces the staff figures; the survey totals stay
    smaller = "\n".join(extracts["staff"].read_text().splitlines()[:401]).encode()
    upload_staff(smaller)
    replaced = eastbrook()
    assert replaced.results["all"]["indicators"]["SCW6"] == \
        both.results["all"]["indicators"]["SCW6"]
    assert replaced.results["all"]["indicators"]["SCW8"] != staff_only["SCW8"]
    assert replaced.provenance["sources"]["survey"]["kept"] is True
    assert replaced.provenance["sources"]["staff"] == {"source": "extracts", "kept": False}
    assert replaced.counts["all"]["declaration"]["staff"]["total"] == 400


def test_the_wide_counts_template_downloaded_filled_and_uploaded(app, client_as):
    lead = client_as("edi_lead")
    book = openpyxl.load_workbook(io.BytesIO(lead.get("/data-templates/counts-wide.xlsx").data))
    book.remove(book["data"])  # the example sheet's rows, as a council would fill them in
    book["Example"].title = "data"
    buffer = io.BytesIO()
    book.save(buffer)
    data = {"csrf_token": csrf_token(lead, UPLOAD), "counts-submit": "Upload and check counts",
            "counts-counts_file": (io.BytesIO(buffer.getvalue()), "wide.xlsx")}
    response = lead.post(UPLOAD, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, page(response).get_text()[:2000]
    with app.app_context():
        draft = db.session.scalars(db.select(IndicatorDraft)).one()
        assert set(draft.counts) == {"all", "adults", "children"}
        assert draft.counts["adults"]["series"]["SCW3"]["gm"] == {"numerator": 14,
                                                                 "denominator": 750}
