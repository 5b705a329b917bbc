"""Say an indicator result in words: what it means, and why a figure or an interval is missing.

Pure: every function takes a result entry in the CLI contract's shape (tracker.domain.indicators
``SeriesResult.to_dict``) and returns a sentence a reader can act on. Where a figure is missing
the words say why ("no global majority staff in post"), never "None" or a bare "No data".

In the NHS WRES orientation SCW2 and SCW5 are white / global majority: the sentence then says
what the figure says about white staff, and what that means for global majority staff, so that
the words, the direction and the chart's axis all follow the orientation shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracker.domain.definitions import INDICATORS_BY_ID, NHS_INVERTED_SERIES
from tracker.domain.formatting import (
    percentage,
    percentage_points,
    rating_label,
    relative_likelihood,
)
from tracker.domain.stored_results import StoredSeries

GM_WHITE = "gm-white"
NHS = "nhs"

#: Who each series counts (the denominator), in words.
POPULATION: dict[str, str] = {
    "SCW1": "staff in post", "SCW2": "shortlisted applicants", "SCW3": "staff",
    "SCW4": "regulated professionals", "SCW5": "staff", "SCW6": "survey respondents",
    "SCW7a": "survey respondents", "SCW7b": "survey respondents", "SCW8": "staff",
    "SCW9": "staff in post",
}
#: What happened to the people in the numerator, as a plural verb phrase.
OUTCOME: dict[str, str] = {
    "SCW2": "were appointed", "SCW3": "entered the formal disciplinary process",
    "SCW4": "were referred to fitness to practise", "SCW5": "accessed funded non-mandatory CPD",
    "SCW6": "reported harassment, bullying or abuse from the public",
    "SCW7a": "reported harassment, bullying or abuse from colleagues",
    "SCW7b": "reported harassment, bullying or abuse from managers",
    "SCW8": "left the organisation", "SCW9": "are senior managers",
}
#: The same outcome as a noun phrase, for "more likely to ..." sentences.
LIKELY_TO: dict[str, str] = {
    "SCW2": "be appointed", "SCW3": "enter the formal disciplinary process",
    "SCW4": "be referred to fitness to practise", "SCW5": "access funded non-mandatory CPD",
    "SCW6": "report harassment from the public", "SCW7a": "report harassment from colleagues",
    "SCW7b": "report harassment from managers", "SCW8": "leave",
    "SCW9": "hold a senior manager role",
}
GROUP_WORDS = {"gm": "global majority", "white": "white"}


def is_inverted(indicator: str, orientation: str) -> bool:
    """Say whether the figure is shown white / global majority (the NHS form of SCW2, SCW5)."""
    return orientation == NHS and indicator in NHS_INVERTED_SERIES


def ratio_words(indicator: str, orientation: str = GM_WHITE) -> str:
    """Name the ratio as shown: "global majority / white" or "white / global majority"."""
    return ("white / global majority" if is_inverted(indicator, orientation)
            else "global majority / white")


def better_words(indicator: str, orientation: str = GM_WHITE) -> str:
    """Say which way the figure is better for global majority staff, as the figure is shown."""
    meta = INDICATORS_BY_ID[indicator]
    if not meta.is_series:
        return meta.better_text
    if is_inverted(indicator, orientation):
        return "Lower" if meta.better_when == "higher" else "Higher"
    return meta.better_text


def _percent_phrase(value: float) -> str:
    change = round((value - 1) * 100)
    if change == 0:
        return "equally likely"
    return f"{abs(change)}% {'more' if change > 0 else 'less'} likely"


def likelihood_sentence(indicator: str, rl: float | None,
                        orientation: str = GM_WHITE) -> str:
    """Say an RL in words for the group its numerator is, in the orientation shown.

    SCW2 at 0.62 reads "Global majority applicants are 38% less likely to be appointed"; in the
    NHS form the same figure is 1.61 and reads "White applicants are 61% more likely to be
    appointed: global majority applicants are 38% less likely".
    """
    if rl is None:
        return ""
    people = _people(indicator)
    if rl == 0:
        return f"No global majority {people} {OUTCOME.get(indicator, 'had this outcome')}"
    if is_inverted(indicator, orientation):
        gm_phrase = _percent_phrase(1 / rl)
        return (f"White {people} are {_percent_phrase(rl)} to {LIKELY_TO[indicator]}: "
                f"global majority {people} are {gm_phrase}")
    return f"Global majority {people} are {_percent_phrase(rl)} to {LIKELY_TO[indicator]}"


def _people(indicator: str) -> str:
    return {"SCW2": "applicants", "SCW4": "regulated professionals", "SCW6": "respondents",
            "SCW7a": "respondents", "SCW7b": "respondents"}.get(indicator, "staff")


def _tally(entry: StoredSeries, group: str) -> tuple[int, int]:
    tally = getattr(entry, group)
    return (tally.numerator, tally.denominator) if tally is not None else (0, 0)


def _series(indicator: str, entry: StoredSeries | Mapping | None) -> StoredSeries | None:
    """Read a saved entry (a mapping) through the one reader; None or {} is nothing loaded."""
    if entry is None or isinstance(entry, StoredSeries):
        return entry
    return StoredSeries.read(indicator, entry) if entry else None


def why_no_figure(indicator: str, entry: StoredSeries | Mapping | None) -> str:
    """Say why a series has no relative likelihood ("" when it has one)."""
    entry = _series(indicator, entry)
    if entry is None:
        return "No figures loaded"
    if entry.rl is not None:
        return ""
    state = entry.status
    population = POPULATION.get(indicator, "staff")
    gm_n, gm_d = _tally(entry, "gm")
    white_n, white_d = _tally(entry, "white")
    if state == "not-collected":
        return "Not collected: the column was blank on every row"
    if state == "no-data":
        if gm_d == 0 and white_d == 0:
            unknown = _tally(entry, "unknown")[1]
            if unknown:
                return f"No {population} of known ethnicity"
            return f"No {population} counted: the data was not loaded"
        if gm_d == 0:
            return f"No global majority {population}"
        return f"No white {population}"
    outcome = OUTCOME.get(indicator, "had this outcome")
    if state == "no-events":
        return f"Not calculable: no {population} in either group {outcome}"
    if state == "not-calculable":
        inverted = gm_n == 0 and white_n > 0  # the NHS form: the divisor is global majority
        group = "global majority" if inverted else "white"
        return f"Not calculable: no {group} {population} {outcome}"
    return "No figure"


def why_no_interval(indicator: str, entry: StoredSeries | Mapping | None) -> str:
    """Say why a result has no 95% confidence interval ("" when it has one)."""
    entry = _series(indicator, entry)
    if entry is not None and entry.ci95:
        return ""
    if entry is None or entry.rl is None:
        return "No interval: " + why_no_figure(indicator, entry)[0].lower() + \
            why_no_figure(indicator, entry)[1:]
    gm_n, _ = _tally(entry, "gm")
    white_n, _ = _tally(entry, "white")
    population = POPULATION.get(indicator, "staff")
    outcome = OUTCOME.get(indicator, "had this outcome")
    group = "global majority" if gm_n == 0 else "white" if white_n == 0 else None
    if group is None:
        return "No interval"
    return f"No interval: no {group} {population} {outcome}"


def no_gm_in_post(scw1: Mapping | None) -> bool:
    """Say whether SCW1 counted nobody of global majority ethnicity in post."""
    bands = (scw1 or {}).get("bands") or {}
    return bool(bands) and not any((band.get("gm") or 0) for band in bands.values())


def gap_words(gap_pp: float | None, *, no_gm: bool) -> str:
    """Say why a percentage-point gap is missing ("" when there is one)."""
    if gap_pp is not None:
        return ""
    return "No global majority staff in post" if no_gm else "No gap: no staff in post counted"


SURVEY_SERIES = ("SCW6", "SCW7a", "SCW7b")


def beside_rl(indicator: str, entry: StoredSeries) -> str:
    """Say the figures that go with a relative likelihood in words: SCW9's percentage-point gap
    between global majority senior managers and staff in post, and a survey question's share of
    each group who said yes ("" for the other indicators, or when they are missing)."""
    if indicator == "SCW9" and entry.gap_pp is not None:
        return f"gap {percentage_points(entry.gap_pp)} against the workforce"
    if indicator in SURVEY_SERIES and entry.gm and entry.white \
            and entry.gm.denominator and entry.white.denominator:
        return (f"global majority {percentage(entry.gm.numerator / entry.gm.denominator)}, "
                f"white {percentage(entry.white.numerator / entry.white.denominator)} said yes")
    return ""


def result_in_brief(indicator: str, area_results: Mapping | None) -> str:
    """Say one saved result in a few words, for a notification: "RL 1.72, adverse, low
    confidence", SCW1's shares of each pay band, or why there is no figure."""
    indicators = (area_results or {}).get("indicators") or {}
    if indicator == "SCW1":
        scw1 = indicators.get("SCW1") or {}
        if not scw1.get("bands"):
            return "no pay-band figures"
        bands = "; ".join(f"{band} {percentage(data.get('gm_share'))}"
                          for band, data in scw1["bands"].items())
        return (f"global majority share of staff in post "
                f"{percentage(scw1.get('gm_share_workforce'))}, by pay band: {bands}")
    entry = _series(indicator, indicators.get(indicator))
    if entry is None or entry.rl is None:
        why = why_no_figure(indicator, entry)
        return f"no figure ({why[:1].lower()}{why[1:]})"
    words = f"RL {relative_likelihood(entry.rl)}, {rating_label(entry.rating).lower()}"
    return words + (", low confidence" if entry.low_confidence else "")
