"""The advisory groups' view across the councils they follow."""

from __future__ import annotations

from tests.helpers import demo_results, page


def test_an_advisor_sees_their_councils_against_the_national_figures(client_as):
    advisor = client_as("advisor")  # the IAG: Northshire and Eastbrook
    html = page(advisor.get("/advisory/across-councils"))
    rows = {tr.th.get_text(" ", strip=True): tr for tr in html.select("#results-table tbody tr")}
    assert set(rows) == {"Northshire County Council (2024-25)",
                         "Eastbrook Borough Council (2024-25)"}
    assert "Riverside" not in html.get_text()  # shared with the RERG only
    northshire = [td.get_text(" ", strip=True) for td in
                  rows["Northshire County Council (2024-25)"]("td")]
    scw3 = demo_results().series("all", "SCW3")  # the demo's adverse disciplinary figure
    assert scw3.rating == "adverse" and northshire[1].startswith(f"{scw3.rl:.2f}")
    assert "Adverse" in northshire[1]
    assert "SCW3 Formal disciplinary: adverse in 1 of 2 councils" in html.select_one(
        "#adverse-list").get_text(" ", strip=True)
    themes = html.select_one("#themes-table").get_text(" ", strip=True)
    assert "Governance and accountability" in themes
    assert "comments ask for a response" in html.select_one("#feedback-total").get_text() or \
        "comment asks" in html.select_one("#feedback-total").get_text()
    home = page(advisor.get("/")).get_text()
    assert "Across your councils" in home


def test_someone_in_no_advisory_group_sees_none(client_as):
    html = page(client_as("edi_lead").get("/advisory/across-councils"))
    assert "No council shares with an advisory group you are in." in html.get_text()
    assert client_as("anonymous").get("/advisory/across-councils").status_code == 302
