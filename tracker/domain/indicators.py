"""Compute the SC-WRES indicators from counts: relative likelihoods, ratings, intervals, SCW1.

Conventions (docs/domain.md section 3):

- ``rate = numerator / denominator``; ``RL = rate(GM) / rate(white)`` (Skills for Care's form).
- States, checked in this order: a denominator of 0 in either group -> ``no-data``; both
  numerators 0 -> ``no-events``; white rate 0 with GM rate above 0 -> ``not-calculable``;
  otherwise ``ok`` (a GM numerator of 0 with a white one above 0 is ``ok`` with RL 0).
- Rating on the exact, unrounded RL: ``within`` when 0.80 <= RL <= 1.25; ``adverse`` when outside
  in the direction that harms GM staff (above 1.25 for an adverse outcome, below 0.80 for a
  favourable one); ``reverse`` otherwise. Only ``ok`` results are rated.
- 95% interval by the log method, ``SE(ln RL) = sqrt(1/a - 1/n1 + 1/c - 1/n2)``, z = 1.96; none
  unless ``ok`` with both numerators above 0.
- ``low_confidence`` when either numerator (GM or white) is below 10. A ``no-data`` result is not
  marked low confidence: there is no figure to doubt, and the state already says why.
- Unrounded numbers throughout: rounding is for display (tracker.domain.formatting).
- The NHS WRES writes indicators 2 and 4 (SCW2, SCW5 here) white / GM. ``orientation="nhs"`` in
  the output turns those two upside down (RL and interval; the states follow the swap, so GM rate 0
  is then ``not-calculable``); a rating keeps its meaning for GM staff.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from tracker.domain.counts import BandCounts, Counts, SeriesCounts, counts_from_extracts
from tracker.domain.definitions import (
    EXTRACT_KINDS,
    INDICATOR_IDS,
    INDICATORS,
    INDICATORS_BY_ID,
    NHS_INVERTED_SERIES,
    SERIES_IDS,
    Indicator,
)
from tracker.domain.extracts import read_extracts
from tracker.domain.problems import ExtractValidationError, Problem, format_problems

__all__ = [
    "INDICATORS",
    "INDICATORS_BY_ID",
    "INDICATOR_IDS",
    "SERIES_IDS",
    "BandResult",
    "ExtractValidationError",
    "Indicator",
    "PayBandResult",
    "Problem",
    "Results",
    "SeriesResult",
    "compute_all",
    "compute_results",
    "confidence_interval",
    "evaluate_series",
    "format_problems",
    "gm_share",
    "is_low_confidence",
    "pay_band_representation",
    "rate",
    "rating",
    "relative_likelihood",
    "senior_manager_gap_pp",
    "status",
]

OK = "ok"
NO_DATA = "no-data"
NO_EVENTS = "no-events"
NOT_CALCULABLE = "not-calculable"

WITHIN = "within"
ADVERSE = "adverse"
REVERSE = "reverse"

#: The four-fifths rule's bounds, exact so that 0.80 and 1.25 themselves are within.
LOWER_BOUND = Fraction(4, 5)
UPPER_BOUND = Fraction(5, 4)
Z_95 = 1.96
LOW_CONFIDENCE_BELOW = 10

GM_WHITE = "gm-white"
NHS = "nhs"
ORIENTATIONS = (GM_WHITE, NHS)


# -- small pure functions ---------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """Return numerator / denominator, or None when the denominator is 0."""
    _check_tally(numerator, denominator)
    return numerator / denominator if denominator else None


def status(gm_numerator: int, gm_denominator: int, white_numerator: int,
           white_denominator: int) -> str:
    """Say whether an RL can be computed: ok, no-data, no-events or not-calculable."""
    _check_tally(gm_numerator, gm_denominator)
    _check_tally(white_numerator, white_denominator)
    if gm_denominator == 0 or white_denominator == 0:
        return NO_DATA
    if gm_numerator == 0 and white_numerator == 0:
        return NO_EVENTS
    if white_numerator == 0:
        return NOT_CALCULABLE
    return OK


def relative_likelihood(gm_numerator: int, gm_denominator: int, white_numerator: int,
                        white_denominator: int) -> float | None:
    """Return rate(GM) / rate(white), or None unless the status is ok."""
    exact = _exact_rl(gm_numerator, gm_denominator, white_numerator, white_denominator)
    return None if exact is None else _to_float(exact)


def rating(rl: float | Fraction, better_when: str) -> str:
    """Rate an unrounded RL: within 0.80-1.25 inclusive, else adverse or reverse.

    ``better_when`` is "higher" for a favourable outcome (RL below 0.80 harms GM staff) and "lower"
    for an adverse one (RL above 1.25 harms them).
    """
    if better_when not in ("higher", "lower"):
        raise ValueError(f"better_when must be 'higher' or 'lower', not {better_when!r}")
    if LOWER_BOUND <= rl <= UPPER_BOUND:
        return WITHIN
    harmful_low = better_when == "higher"
    return ADVERSE if (rl < LOWER_BOUND) == harmful_low else REVERSE


def confidence_interval(gm_numerator: int, gm_denominator: int, white_numerator: int,
                        white_denominator: int, z: float = Z_95) -> tuple[float, float] | None:
    """Return the 95% interval of the RL by the log method, or None when a numerator is 0."""
    exact = _exact_rl(gm_numerator, gm_denominator, white_numerator, white_denominator)
    if exact is None or gm_numerator == 0:
        return None
    se = math.sqrt(1 / gm_numerator - 1 / gm_denominator
                   + 1 / white_numerator - 1 / white_denominator)
    centre = math.log(_to_float(exact))
    return math.exp(centre - z * se), math.exp(centre + z * se)


def is_low_confidence(gm_numerator: int, white_numerator: int,
                      state: str = OK) -> bool:
    """Say whether either numerator is below 10 (never for a no-data result)."""
    if state == NO_DATA:
        return False
    return min(gm_numerator, white_numerator) < LOW_CONFIDENCE_BELOW


def gm_share(gm: int, white: int) -> float | None:
    """Return the GM share gm / (gm + white), or None when both are 0."""
    return gm / (gm + white) if gm + white else None


def senior_manager_gap_pp(series: SeriesCounts) -> float | None:
    """SCW9: GM share of senior managers minus GM share of staff in post, in percentage points.

    None when nobody of global majority ethnicity is in post: a gap of 0.0 would read as parity.
    """
    if series.gm.denominator == 0:
        return None
    senior = gm_share(series.gm.numerator, series.white.numerator)
    in_post = gm_share(series.gm.denominator, series.white.denominator)
    if senior is None or in_post is None:
        return None
    return (senior - in_post) * 100


def _check_tally(numerator: int, denominator: int) -> None:
    if numerator < 0 or denominator < 0 or numerator > denominator:
        raise ValueError(
            f"need 0 <= numerator <= denominator, got {numerator} / {denominator}"
        )


def _exact_rl(a: int, n1: int, c: int, n2: int) -> Fraction | None:
    if status(a, n1, c, n2) != OK:
        return None
    return Fraction(a * n2, n1 * c)


def _to_float(value: Fraction) -> float:
    # int / int is correctly rounded, so equal rates always give exactly the same float.
    return value.numerator / value.denominator


# -- relative-likelihood series ---------------------------------------------------------------


@dataclass(frozen=True)
class SeriesResult:
    """One relative-likelihood series (SCW2 ... SCW9) in one orientation."""

    indicator: str
    status: str
    rl: float | None
    rating: str | None
    ci95: tuple[float, float] | None
    low_confidence: bool
    counts: SeriesCounts
    #: SCW9 only: GM share of senior managers minus GM share of staff in post (points).
    gap_pp: float | None = None
    orientation: str = GM_WHITE
    #: False when the extract behind the series was not given (the status is then no-data).
    provided: bool = True

    def oriented(self, orientation: str) -> SeriesResult:
        """Return this result in the given orientation ("gm-white" or "nhs")."""
        _check_orientation(orientation)
        if orientation == self.orientation:
            return self
        return evaluate_series(self.indicator, self.counts, orientation=orientation,
                               provided=self.provided)

    def to_dict(self, orientation: str = GM_WHITE) -> dict:
        """Return the CLI contract's entry for this series."""
        result = self.oriented(orientation)
        entry = {
            "status": result.status,
            "rl": result.rl,
            "rating": result.rating,
            "ci95": list(result.ci95) if result.ci95 is not None else None,
            "low_confidence": result.low_confidence,
            **result.counts.to_dict(),
        }
        if result.indicator == "SCW9":
            entry["gap_pp"] = result.gap_pp
        return entry


def evaluate_series(indicator: str, counts: SeriesCounts, *, orientation: str = GM_WHITE,
                    provided: bool = True) -> SeriesResult:
    """Compute status, RL, rating, interval and confidence of one series.

    ``provided=False`` (its extract was not given) makes it no-data whatever the counts say.
    """
    meta = INDICATORS_BY_ID[indicator]
    if not meta.is_series:
        raise ValueError(f"{indicator} is not a relative-likelihood series")
    _check_orientation(orientation)
    a, n1 = counts.gm.numerator, counts.gm.denominator
    c, n2 = counts.white.numerator, counts.white.denominator
    better_when = meta.better_when
    assert better_when is not None  # every series says which way is better
    if orientation == NHS and indicator in NHS_INVERTED_SERIES:
        # White / GM: the same maths with the groups swapped; "better" flips with the ratio.
        a, n1, c, n2 = c, n2, a, n1
        better_when = "lower" if better_when == "higher" else "higher"
    state = status(a, n1, c, n2) if provided else NO_DATA
    exact = _exact_rl(a, n1, c, n2) if state == OK else None
    return SeriesResult(
        indicator=indicator,
        status=state,
        rl=None if exact is None else _to_float(exact),
        rating=None if exact is None else rating(exact, better_when),
        ci95=confidence_interval(a, n1, c, n2) if state == OK else None,
        low_confidence=is_low_confidence(a, c, state),
        counts=counts,
        gap_pp=senior_manager_gap_pp(counts) if indicator == "SCW9" and provided else None,
        orientation=orientation,
        provided=provided,
    )


def _check_orientation(orientation: str) -> None:
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")


# -- SCW1 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandResult:
    """SCW1 for one pay band."""

    label: str
    gm: int
    white: int
    unknown: int
    #: GM share of the band, gm / (gm + white).
    gm_share: float | None
    #: Band share minus workforce share, in percentage points.
    gap_pp: float | None
    #: (gm in band / gm in post) / (white in band / white in post).
    rl: float | None

    def to_dict(self) -> dict:
        """Return the CLI contract's entry for this band (without its label)."""
        return {"gm": self.gm, "white": self.white, "unknown": self.unknown,
                "gm_share": self.gm_share, "gap_pp": self.gap_pp, "rl": self.rl}


@dataclass(frozen=True)
class PayBandResult:
    """SCW1: GM share of the workforce (staff in post) and of each pay band."""

    gm_share_workforce: float | None
    bands: tuple[BandResult, ...]

    def to_dict(self) -> dict:
        """Return the CLI contract's SCW1 entry."""
        return {
            "gm_share_workforce": self.gm_share_workforce,
            "bands": {band.label: band.to_dict() for band in self.bands},
        }


def pay_band_representation(bands: Iterable[BandCounts]) -> PayBandResult:
    """Compute SCW1 from the staff in post of each band (no gaps without global majority staff)."""
    bands = tuple(bands)
    gm_total = sum(b.gm for b in bands)
    white_total = sum(b.white for b in bands)
    workforce = gm_share(gm_total, white_total)
    results = []
    for band in bands:
        share = gm_share(band.gm, band.white)
        # No global majority staff in post: a gap of 0.0 points would read as parity.
        gap = None if share is None or workforce is None or not gm_total else (share - workforce) * 100
        defined = gm_total and white_total and band.white
        band_rl = band.gm * white_total / (gm_total * band.white) if defined else None
        results.append(BandResult(band.label, band.gm, band.white, band.unknown, share, gap,
                                  band_rl))
    return PayBandResult(workforce, tuple(results))


# -- all indicators for one service area --------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """Every indicator of one service area, computed from its counts."""

    service_area: str
    counts: Counts
    #: known / total per extract; None when the extract was not given or had nobody.
    declaration_rate: Mapping[str, float | None]
    pay_bands: PayBandResult
    series: Mapping[str, SeriesResult]

    def to_dict(self, orientation: str = GM_WHITE) -> dict:
        """Return the CLI contract's JSON shape (unrounded; shares as fractions, gaps in points).

        ``orientation="nhs"`` writes SCW2 and SCW5 white / GM; everything else is unchanged.
        """
        _check_orientation(orientation)
        return {
            "service_area": self.service_area,
            "declaration_rate": dict(self.declaration_rate),
            "indicators": {
                "SCW1": self.pay_bands.to_dict(),
                **{sid: self.series[sid].to_dict(orientation) for sid in SERIES_IDS},
            },
        }


def compute_results(counts: Counts) -> Results:
    """Compute every indicator of one service area from its counts."""
    series = {
        sid: evaluate_series(sid, counts.series[sid],
                             provided=INDICATORS_BY_ID[sid].source in counts.provided)
        for sid in SERIES_IDS
    }
    declaration = {
        kind: counts.declaration[kind].rate if kind in counts.provided else None
        for kind in EXTRACT_KINDS
    }
    pay_bands = pay_band_representation(
        counts.bands if INDICATORS_BY_ID["SCW1"].source in counts.provided else ()
    )
    return Results(counts.service_area, counts, MappingProxyType(declaration), pay_bands,
                   MappingProxyType(series))


def compute_all(
    staff_bytes: bytes,
    staff_name: str,
    *,
    recruitment: tuple[bytes, str] | None = None,
    survey: tuple[bytes, str] | None = None,
    extra_mapping: Mapping[str, str] | None = None,
) -> dict[str, Results]:
    """Read, check and count the extracts and compute "all", "adults" and "children".

    ``recruitment`` and ``survey`` are (bytes, filename). Raises ``ExtractValidationError`` with
    the problems of every file.
    """
    extracts = read_extracts(staff=(staff_bytes, staff_name), recruitment=recruitment,
                             survey=survey, extra_mapping=extra_mapping)
    counts = counts_from_extracts(**extracts)
    return {area: compute_results(c) for area, c in counts.items()}
