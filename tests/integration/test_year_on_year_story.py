"""Year on year that tells the story (issue 12): SCW1's shares by band, SCW9's gap and the
survey percentages on the trends page, a sparkline per indicator beside its words, changes that
stand out from "no clear change", and on each linked action: did it work?"""

from __future__ import annotations

from tests.factories import demo_counts_rows
from tests.helpers import page
from tracker.domain.roles import Role


def _with(changes: dict) -> list[dict]:
    """The demo's counts with some (area, indicator, group) -> (numerator, denominator)."""
    out = []
    for row in demo_counts_rows():
        key = (row["service_area"], row["indicator"], row["group"])
        if key in changes:
            row = {**row, "numerator": changes[key][0], "denominator": changes[key][1]}
        out.append(row)
    return out


def _two_years(factories):
    lead = factories.member(role=Role.EDI_LEAD)
    org = lead.memberships[0].organisation
    first = factories.cycle(organisation=org, start_year=2023)
    factories.dataset(cycle=first, rows=_with({("adults", "SCW2", "gm"): (20, 400),
                                               ("adults", "SCW2", "white"): (100, 400)}))
    second = factories.cycle(organisation=org, start_year=2024)
    factories.dataset(cycle=second, rows=_with({("adults", "SCW2", "gm"): (90, 400),
                                                ("adults", "SCW2", "white"): (100, 400)}))
    return lead, org, first, second


def test_the_trends_page_shows_the_story(factories, client_for):
    lead, org, first, second = _two_years(factories)
    soup = page(client_for(lead).get(f"/org/{org.slug}/trends?area=adults"))
    summary = soup.select_one(".app-trend-summary").get_text(" ", strip=True)
    assert "In 2024-25, against the cycle before:" in summary
    assert "moved towards parity" in summary and "SCW2" in summary

    scw2 = soup.select_one("#trend-SCW2")
    line = scw2.select_one("svg.app-sparkline")
    assert line["role"] == "img"
    assert line["aria-label"] == ("SCW2 relative likelihood, 0.20, then 0.90; the dashed line "
                                  "is parity")
    assert len(line.select("circle")) == 2
    assert "Towards parity" in scw2.select_one(".govuk-tag").get_text()
    # "no clear change" is said quietly, never as a tag that drowns the changes
    tags = [t.get_text(strip=True) for t in soup.select(".app-trends-table .govuk-tag")]
    assert "No clear change" not in tags and "First figure" not in tags
    assert soup.select(".app-quiet-change")

    assert "gap" in soup.select_one("#trend-SCW9 .app-beside").get_text()
    assert "said yes" in soup.select_one("#trend-SCW6 .app-beside").get_text()
    bands = soup.select_one(".app-band-trend")
    assert "SCW1" in bands.caption.get_text()
    rows = {r.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in r.select("td")]
            for r in bands.select("tbody tr")}
    assert "Whole workforce" in rows and len(rows["Whole workforce"]) == 2
    assert all("%" in cell for cell in rows["<30k"]) and "pp" in rows["<30k"][0]


def test_did_it_work_compares_each_later_figure_with_the_baseline(factories, client_for):
    lead, org, first, second = _two_years(factories)
    action = factories.action(plan=factories.plan(cycle=first), owner=lead,
                              title="Anonymous shortlisting")
    factories.link(action=action, indicator="SCW2", service_area="adults", baseline_rl=0.2)
    factories.link(action=action, indicator="SCW3", service_area="children")
    soup = page(client_for(lead).get(
        f"/org/{org.slug}/cycles/2023-24/plan/actions/{action.id}"))
    items = [li.get_text(" ", strip=True) for li in soup.select(".app-did-it-work li")]
    assert items[0].startswith("SCW2 ")
    assert "baseline 0.20 in 2023-24" in items[0]
    assert "2024-25: 0.90, towards parity (better for global majority staff)" in items[0]
    assert "2024-25: " in items[1] and "no clear change" in items[1]
    assert "read this as a sign, not proof" in soup.get_text()

    later = factories.action(plan=factories.plan(cycle=second), owner=lead, title="New")
    factories.link(action=later, indicator="SCW2", service_area="adults")
    soup = page(client_for(lead).get(f"/org/{org.slug}/cycles/2024-25/plan/actions/{later.id}"))
    assert "no later figure yet to compare with" in soup.select_one(
        ".app-did-it-work").get_text(" ", strip=True)


def test_the_review_and_by_indicator_say_the_shares_gaps_and_percentages(factories, client_for):
    lead, org, first, second = _two_years(factories)
    factories.plan(cycle=second)
    client = client_for(lead)
    review = page(client.get(f"/org/{org.slug}/cycles/2024-25/review"))
    assert "Gap " in review.select_one("#SCW9-adults .app-beside").get_text()
    assert "said yes" in review.select_one("#SCW7a-adults .app-beside").get_text()
    captions = [c.get_text(" ", strip=True) for c in review.select(".app-band-trend caption")]
    assert any(c.startswith("SCW1 Pay-band representation, adult social care") for c in captions)

    by_indicator = page(client.get(f"/org/{org.slug}/cycles/2024-25/plan/by-indicator"))
    beside = [b.get_text(" ", strip=True) for b in by_indicator.select(".app-beside")]
    assert any(b.startswith("gap ") for b in beside) and any("said yes" in b for b in beside)
    bands = by_indicator.select_one(".app-band-trend")
    assert [th.get_text(strip=True) for th in bands.select("thead th")][1:] == ["2023-24",
                                                                                "2024-25"]
