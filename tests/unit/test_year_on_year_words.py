"""The figures beside a relative likelihood in words, and the trends page's sparklines."""

from __future__ import annotations

from tracker.domain.counts import Tally
from tracker.domain.stored_results import StoredSeries
from tracker.domain.trends import sparkline
from tracker.domain.wording import beside_rl


def test_scw9_says_its_gap_and_surveys_their_percentages():
    assert beside_rl("SCW9", StoredSeries("SCW9", gap_pp=-4.25)) == \
        "gap \u22124.3 pp against the workforce"
    survey = StoredSeries("SCW7b", gm=Tally(30, 120), white=Tally(45, 300))
    assert beside_rl("SCW7b", survey) == "global majority 25.0%, white 15.0% said yes"
    assert beside_rl("SCW2", StoredSeries("SCW2", gm=Tally(3, 10), white=Tally(5, 10))) == ""
    assert beside_rl("SCW6", StoredSeries("SCW6", gm=Tally(0, 0), white=Tally(1, 5))) == ""
    assert beside_rl("SCW9", StoredSeries("SCW9")) == ""


def test_a_sparkline_keeps_parity_in_view_and_breaks_where_a_figure_is_missing():
    line = sparkline([0.5, None, 0.8, 2.0], width=100, height=20, margin=0)
    assert line is not None
    assert line.path.startswith("M0.0 ") and " M66.7 " in f" {line.path}"
    assert [x for x, _ in line.dots] == [0.0, 66.7, 100.0]
    highest, lowest = min(y for _, y in line.dots), max(y for _, y in line.dots)
    assert highest == 0.0 and lowest == 20.0  # 2.0 at the top, 0.5 at the bottom
    assert highest < line.parity_y < lowest


def test_no_sparkline_from_one_figure():
    assert sparkline([None, 0.7]) is None
    assert sparkline([1.0, 1.0]).parity_y == sparkline([1.0, 1.0]).dots[0][1]
