"""Name the indicators, ethnic groups, service areas and extracts the indicator engine knows.

This is the single table the UI, the counts and the maths read (docs/domain.md section 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GM = "gm"
WHITE = "white"
UNKNOWN = "unknown"
#: Ethnic groups, in the order every count is stored: global majority, white, unknown.
GROUPS: tuple[str, ...] = (GM, WHITE, UNKNOWN)

ADULTS = "adults"
CHILDREN = "children"
ALL = "all"
#: Service areas an extract row can belong to.
ROW_SERVICE_AREAS: tuple[str, ...] = (ADULTS, CHILDREN)
#: Service areas a result can be for: "all" is adults + children.
SERVICE_AREAS: tuple[str, ...] = (ALL, ADULTS, CHILDREN)
#: How a service area is named on its own ("All staff") and within a sentence ("all staff").
SERVICE_AREA_LABELS: dict[str, str] = {ALL: "All staff", ADULTS: "Adult social care",
                                       CHILDREN: "Children's social care"}
SERVICE_AREA_WORDS: dict[str, str] = {area: label.lower()
                                      for area, label in SERVICE_AREA_LABELS.items()}

STAFF = "staff"
RECRUITMENT = "recruitment"
SURVEY = "survey"
#: Record-level extracts an authority can upload.
EXTRACT_KINDS: tuple[str, ...] = (STAFF, RECRUITMENT, SURVEY)

Outcome = Literal["favourable", "adverse", "representation"]


@dataclass(frozen=True)
class Indicator:
    """One SC-WRES indicator (or one part of SCW7) as the UI describes it."""

    id: str
    short_name: str
    #: "higher" or "lower" for relative-likelihood series; None for SCW1 (see ``better_text``).
    better_when: Literal["higher", "lower"] | None
    better_text: str
    outcome: Outcome
    #: The extract its counts come from.
    source: str
    numerator_label: str
    denominator_label: str
    #: A shorter name where ``short_name`` is too long for a chart's row label.
    chart_name: str = ""

    @property
    def chart_label(self) -> str:
        """Name the indicator on a chart's row: its id and a name short enough to fit."""
        return f"{self.id} {self.chart_name or self.short_name}"

    @property
    def is_series(self) -> bool:
        """Say whether this indicator is a relative likelihood (every indicator but SCW1)."""
        return self.outcome != "representation"


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "SCW1", "Pay-band representation", None, "Senior bands reach the workforce share",
        "representation", STAFF, "staff in post in the band", "staff in post",
    ),
    Indicator(
        "SCW2", "Appointed from shortlisting", "higher", "Higher",
        "favourable", RECRUITMENT, "appointed", "shortlisted applicants",
    ),
    Indicator(
        "SCW3", "Formal disciplinary", "lower", "Lower",
        "adverse", STAFF, "entered the formal disciplinary process", "staff",
    ),
    Indicator(
        "SCW4", "Fitness to practise referral", "lower", "Lower",
        "adverse", STAFF, "referred to fitness to practise", "regulated professionals",
        chart_name="Fitness to practise",
    ),
    Indicator(
        "SCW5", "Funded non-mandatory CPD", "higher", "Higher",
        "favourable", STAFF, "accessed funded non-mandatory CPD", "staff",
        chart_name="Funded CPD",
    ),
    Indicator(
        "SCW6", "Harassment, bullying or abuse from the public", "lower", "Lower",
        "adverse", SURVEY, "said yes", "survey respondents who answered",
        chart_name="Bullying: public",
    ),
    Indicator(
        "SCW7a", "Harassment, bullying or abuse from colleagues", "lower", "Lower",
        "adverse", SURVEY, "said yes", "survey respondents who answered",
        chart_name="Bullying: colleagues",
    ),
    Indicator(
        "SCW7b", "Harassment, bullying or abuse from managers", "lower", "Lower",
        "adverse", SURVEY, "said yes", "survey respondents who answered",
        chart_name="Bullying: managers",
    ),
    Indicator(
        "SCW8", "Leaving the organisation", "lower", "Lower",
        "adverse", STAFF, "leavers", "staff",
        chart_name="Leaving",
    ),
    Indicator(
        "SCW9", "Senior manager roles", "higher", "Near 1 or above",
        "favourable", STAFF, "senior managers", "staff in post",
    ),
)

INDICATORS_BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in INDICATORS}
INDICATOR_IDS: tuple[str, ...] = tuple(INDICATORS_BY_ID)
#: The nine relative-likelihood series, SCW2 to SCW9 (SCW7 has two parts; SCW1 is not one).
SERIES_IDS: tuple[str, ...] = tuple(i.id for i in INDICATORS if i.is_series)
#: Series written white / GM in the NHS WRES (its indicators 2 and 4).
NHS_INVERTED_SERIES: frozenset[str] = frozenset({"SCW2", "SCW5"})
