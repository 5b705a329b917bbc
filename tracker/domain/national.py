"""The national report: the figures of every council that submitted a cycle, with nothing disclosed.

docs/domain.md section 8. For each service area and series, from the submitted councils only:

- the **pooled** RL from the summed counts (GM numerators and denominators added up, white the
  same), with its 95% interval by the same log method as a council's own
  (``indicators.confidence_interval``);
- the **median** and **quartiles** of the councils' own RLs (linear interpolation between the
  sorted values, as numpy's default ``quantile``), the **share within** 0.80-1.25 (the councils'
  own ratings, on their exact RLs) and the number of **councils**;
- SCW1: the pooled GM share of the workforce and of each pay band (bands pooled by label).

What is held back, and why (each entry's ``withheld`` maps a field to its reason):

- a figure from **fewer than 5 councils** (``MIN_COUNCILS``); and so that it cannot be worked out
  by subtraction (all staff = adults + children), the other part too when only one is held back,
  and the parts when the councils that gave only all-staff counts are fewer than 5;
- a summed **count below the disclosure threshold**, and enough others that none can be worked
  out from what is shown: the publication's own suppression and publish check
  (``public_figures.cycle_table``, ``disclosure.suppress``) run on the pooled counts; an RL or
  interval is shown only when every count it comes from is.

Pure: takes the councils' saved counts and results (as a dataset holds them), names none.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import scipy

from tracker.domain.counts import BandCounts, Counts, Declaration, SeriesCounts
from tracker.domain.definitions import (
    ADULTS,
    ALL,
    CHILDREN,
    EXTRACT_KINDS,
    GM,
    INDICATORS_BY_ID,
    SERIES_IDS,
    SERVICE_AREAS,
    STAFF,
    UNKNOWN,
    WHITE,
)
from tracker.domain.disclosure import (
    DEFAULT_THRESHOLD,
    CountTable,
    Publication,
    Relation,
    suppress,
    withheld_reason,
)
from tracker.domain.indicators import WITHIN, compute_results, evaluate_series, gm_share
from tracker.domain.public_figures import cycle_table
from tracker.domain.stored_results import StoredResults

__all__ = ["BREAKDOWNS", "FIGURES_VERSION", "MIN_COUNCILS", "NationalFigures", "Submission",
           "national_figures", "national_report", "quantile"]

#: A national figure comes from at least this many councils.
MIN_COUNCILS = 5
NUMERATOR, DENOMINATOR, REST = "numerator", "denominator", "rest"


def _figures_version() -> str:
    """Return a version of the code working out the figures: this module's source, the modules
    it takes them from, and scipy's version (its linear programs decide what is held back)."""
    code = scipy.__version__.encode()
    for name in ("counts", "definitions", "disclosure", "indicators", "national",
                 "public_figures", "stored_results"):
        code += Path(sys.modules[f"tracker.domain.{name}"].__file__ or "").read_bytes()
    return hashlib.sha256(code).hexdigest()[:16]


def _few_councils(minimum: int) -> str:
    return f"fewer than {minimum} councils"


def _derivable(minimum: int) -> str:
    return (f"withheld so that a figure of fewer than {minimum} councils cannot be worked out "
            f"by subtraction")


@dataclass(frozen=True)
class Submission:
    """One council's submitted cycle: its saved counts and results per service area."""

    #: An opaque key (the report never shows it).
    council: Hashable
    counts: Mapping[str, Mapping[str, Any]]
    results: Mapping[str, Mapping[str, Any]]
    region: str | None = None
    kind: str | None = None
    _parsed: dict[str, Counts] = field(default_factory=dict, compare=False, repr=False)

    def area_counts(self, area: str) -> Counts | None:
        """Return the counts of one service area, or None when the council gave none."""
        if area not in self.counts:
            return None
        if area not in self._parsed:
            self._parsed[area] = Counts.from_dict(self.counts[area])
        return self._parsed[area]

    def series_counts(self, area: str, sid: str) -> SeriesCounts | None:
        """Return the council's counts of a series when they count nationally, else None.

        They count when the extract was given, the column was collected and someone is in it.
        """
        counts = self.area_counts(area)
        if counts is None or INDICATORS_BY_ID[sid].source not in counts.provided:
            return None
        if StoredResults(self.results).series(area, sid).status == "not-collected":
            return None
        series = counts.series[sid]
        return series if series.gm.denominator + series.white.denominator else None

    def bands(self, area: str) -> tuple[BandCounts, ...]:
        """Return the council's staff in post by band (none without a staff extract)."""
        counts = self.area_counts(area)
        return counts.bands if counts is not None and STAFF in counts.provided else ()


def quantile(values: Sequence[float], p: float) -> float:
    """Return the p-quantile by linear interpolation between the sorted values (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _parts_to_withhold(members: Mapping[str, frozenset], hidden: set[str],
                       minimum: int) -> set[str]:
    """Withhold parts of a total (smallest first) until those held back are none or enough.

    ``members`` maps each part to its councils; ``hidden`` are parts never shown. The total less
    the shown parts gives the held-back parts together, so together they need ``minimum``
    councils, or none at all.
    """
    hidden = set(hidden) | {part for part, who in members.items() if 0 < len(who) < minimum}
    while True:
        together = frozenset().union(*(members.get(part, frozenset()) for part in hidden))
        if not together or len(together) >= minimum:
            return hidden
        shown = sorted((part for part in members if part not in hidden and members[part]),
                       key=lambda part: (len(members[part]), part))
        if not shown:
            return hidden
        hidden.add(shown[0])


@dataclass
class _Pool:
    """The submissions' counts added up per service area, and who is in each figure."""

    submissions: Sequence[Submission]
    areas: Sequence[str]
    members: dict[tuple[str, str], frozenset] = field(default_factory=dict)
    counts: dict[str, Counts] = field(default_factory=dict)
    band_members: dict[tuple[str, str], frozenset] = field(default_factory=dict)

    def build(self) -> None:
        for area in self.areas:
            series: dict[str, SeriesCounts] = {}
            for sid in SERIES_IDS:
                total, who = SeriesCounts(), set[Hashable]()
                for submission in self.submissions:
                    found = submission.series_counts(area, sid)
                    if found is not None:
                        total, who = total + found, who | {submission.council}
                series[sid] = total
                self.members[area, sid] = frozenset(who)
            bands: dict[str, BandCounts] = {}
            for submission in self.submissions:
                for band in submission.bands(area):
                    label = band.label.strip()
                    key = label.casefold()
                    mine = bands.get(key, BandCounts(label))
                    bands[key] = BandCounts(mine.label, mine.gm + band.gm, mine.white + band.white,
                                            mine.unknown + band.unknown)
                    self.band_members[area, key] = (self.band_members.get((area, key), frozenset())
                                                    | {submission.council})
            provided = frozenset(kind for kind in EXTRACT_KINDS for submission in self.submissions
                                 if (c := submission.area_counts(area)) and kind in c.provided)
            declaration = {kind: sum((c.declaration[kind] for s in self.submissions
                                      if (c := s.area_counts(area)) and kind in c.provided),
                                     Declaration()) for kind in EXTRACT_KINDS}
            self.counts[area] = Counts(area, provided, series, tuple(bands.values()), declaration)

    def band_councils(self, area: str, label: str) -> frozenset:
        return self.band_members.get((area, label.casefold()), frozenset())


def _council_withheld(pool: _Pool, minimum: int) -> dict[tuple[str, str], str]:
    """Say which (area, series) figures are held back for councils, and why."""
    reasons: dict[tuple[str, str], str] = {}
    for sid in SERIES_IDS:
        members = {area: pool.members[area, sid] for area in pool.areas}
        for area, who in members.items():
            if len(who) < minimum:
                reasons[area, sid] = _few_councils(minimum)
        if {ALL, ADULTS, CHILDREN} <= set(members) and (ALL, sid) not in reasons:
            # All staff less adults and children gives the councils that gave only all staff.
            only_all = members[ALL] - members[ADULTS] - members[CHILDREN]
            parts = {ADULTS: members[ADULTS], CHILDREN: members[CHILDREN], "rest": only_all}
            hidden = {area for area in (ADULTS, CHILDREN) if (area, sid) in reasons}
            for part in _parts_to_withhold(parts, hidden | {"rest"}, minimum):
                if part != "rest":
                    reasons.setdefault((part, sid), _derivable(minimum))
    return reasons


def _shown_keys(table: CountTable, pool: _Pool, held: Mapping[tuple[str, str], str],
                minimum: int) -> frozenset:
    """The counts the report shows: the pooled numerators and denominators and SCW1's bands."""
    shown = set()
    for hashable in table.counts:
        key = cast(tuple, hashable)  # public_figures' keys are tuples: (area, what, ...)
        area, what = key[0], key[1]
        if what in SERIES_IDS:
            _, sid, group, part = key
            if group in (GM, WHITE) and part in (NUMERATOR, DENOMINATOR) and (area, sid) not in held:
                shown.add(key)
        elif what == "SCW1" and key[3] in (GM, WHITE):
            if len(pool.band_councils(area, key[2])) >= minimum:
                shown.add(key)
    return frozenset(shown)


def national_report(submissions: Iterable[Submission], *, areas: Sequence[str] = SERVICE_AREAS,
                    threshold: int = DEFAULT_THRESHOLD,
                    min_councils: int = MIN_COUNCILS) -> dict[str, dict[str, dict]]:
    """Return the national figures of each service area: ``{area: {indicator: entry}}``.

    A series' entry holds ``status``, ``pooled`` (``rl``, ``ci_low``, ``ci_high``, ``gm`` and
    ``white`` numerators and denominators), ``median``, ``q1``, ``q3``, ``within_range_share``,
    ``councils`` and ``withheld`` (field -> reason); SCW1's holds the pooled GM shares.
    """
    return national_figures(submissions, areas=areas, threshold=threshold,
                            min_councils=min_councils).report


#: The national report's breakdowns: a submission's attribute, and its name in words.
BREAKDOWNS = {"region": "Region", "kind": "Kind of council"}
_REST = "rest"  # the councils outside every group shown: never shown, always subtracted


@dataclass(frozen=True)
class NationalFigures:
    """The national report and its breakdowns, all from one suppression (so none gives another
    away): ``breakdowns[dimension][group][indicator]`` (all staff, series only)."""

    report: dict[str, dict[str, dict]]
    breakdowns: dict[str, dict[str, dict[str, dict]]]
    submitted: int


def national_figures(submissions: Iterable[Submission], *,
                     areas: Sequence[str] = SERVICE_AREAS, threshold: int = DEFAULT_THRESHOLD,
                     min_councils: int = MIN_COUNCILS) -> NationalFigures:
    """Return the national report with its breakdowns by region and by kind of council.

    A group is shown only with at least ``min_councils`` councils in a figure; the groups held
    back (and the councils in no group) together have none or at least that many, else more are
    held back, so that the national figure less the groups shown gives no small group away. The
    groups' summed counts join the national ones in one table, with the relations a reader knows
    (the national count is the sum of the groups'), for one suppression and publish check.
    """
    submissions = list(submissions)
    pool = _Pool(submissions, SERVICE_AREAS)  # every area: one may be worked out from the others
    pool.build()
    held = _council_withheld(pool, min_councils)
    results = {area: compute_results(c).to_dict() for area, c in pool.counts.items()}
    table = cycle_table(pool.counts, results)
    counts, labels = dict(table.counts), dict(table.labels)
    shown, relations = set(_shown_keys(table, pool, held, min_councils)), list(table.relations)
    groups: dict[str, dict[str, _Pool]] = {}
    group_held: dict[tuple[str, str, str], str] = {}
    for dimension in BREAKDOWNS:
        members: dict[str, list[Submission]] = {}
        for submission in submissions:
            value = getattr(submission, dimension)
            members.setdefault(value if value else _REST, []).append(submission)
        pools = {}
        for name, who in members.items():
            pools[name] = _Pool(who, (ALL,))
            pools[name].build()
        groups[dimension] = pools
        for sid in SERIES_IDS:
            parts = {name: p.members[ALL, sid] for name, p in pools.items()}
            hidden = _parts_to_withhold(parts, {_REST}, min_councils)
            if (ALL, sid) in held:
                hidden = set(parts)
            for name in hidden:
                group_held[dimension, name, sid] = (
                    _few_councils(min_councils) if len(parts.get(name, ())) < min_councils
                    else _derivable(min_councils))
            _group_counts(dimension, pools, sid, hidden, counts, labels, shown, relations)
    publication = suppress(CountTable(counts, frozenset(shown), tuple(relations), labels),
                           threshold)
    report = {}
    for area in areas:
        entries: dict[str, dict] = {"SCW1": _pay_bands(pool, area, publication, min_councils)}
        for sid in SERIES_IDS:
            entries[sid] = _series_entry(pool, area, sid, publication, held.get((area, sid)),
                                         min_councils)
        report[area] = {sid: entries[sid] for sid in ("SCW1", *SERIES_IDS)}
    breakdowns: dict[str, dict[str, dict[str, dict]]] = {}
    for dimension, pools in groups.items():
        breakdowns[dimension] = {}
        for name in sorted(n for n in pools if n != _REST):
            entries = {sid: _series_entry(pools[name], ALL, sid, publication,
                                          group_held.get((dimension, name, sid)), min_councils,
                                          prefix=(dimension, name))
                       for sid in SERIES_IDS}
            if any(e["pooled"]["rl"] is not None or e["median"] is not None
                   for e in entries.values()):
                breakdowns[dimension][name] = entries
    return NationalFigures(report, breakdowns, len(submissions))


def _group_counts(dimension: str, pools: Mapping[str, _Pool], sid: str, hidden: set[str],
                  counts: dict, labels: dict, shown: set, relations: list) -> None:
    """Add each group's summed counts of a series, and that the groups add up to the nation."""
    for group in (GM, WHITE, UNKNOWN):
        for part in (NUMERATOR, DENOMINATOR, REST):
            national_key = (ALL, sid, group, part)
            parts = []
            for name, pool in pools.items():
                tally = pool.counts[ALL].series[sid].group(group)
                value = {NUMERATOR: tally.numerator, DENOMINATOR: tally.denominator,
                         REST: tally.denominator - tally.numerator}[part]
                key = (dimension, name, ALL, sid, group, part)
                counts[key], labels[key] = value, f"{sid}, {name}, {group}: {part}"
                parts.append(key)
                if name not in hidden and group != UNKNOWN and part != REST:
                    shown.add(key)
            if national_key in counts:
                relations.append(Relation.total(national_key, parts))
        for name in pools:
            relations.append(Relation.total(
                (dimension, name, ALL, sid, group, DENOMINATOR),
                [(dimension, name, ALL, sid, group, NUMERATOR),
                 (dimension, name, ALL, sid, group, REST)]))


_DISTRIBUTION = ("median", "q1", "q3", "within_range_share")


def _series_entry(pool: _Pool, area: str, sid: str, publication: Publication,
                  council_reason: str | None, minimum: int, prefix: tuple = ()) -> dict:
    members = pool.members[area, sid]
    pooled: dict[str, Any] = {"rl": None, "ci_low": None, "ci_high": None,
                              GM: {NUMERATOR: None, DENOMINATOR: None},
                              WHITE: {NUMERATOR: None, DENOMINATOR: None}}
    withheld: dict[str, str] = {}
    entry: dict[str, Any] = {"status": "withheld", "pooled": pooled,
                             **dict.fromkeys(_DISTRIBUTION), "councils": len(members),
                             "councils_with_figure": None, "withheld": withheld}
    if council_reason:
        withheld.update(dict.fromkeys(("pooled", *_DISTRIBUTION), council_reason))
        return entry
    keys = {(g, part): (*prefix, area, sid, g, part)
            for g in (GM, WHITE) for part in (NUMERATOR, DENOMINATOR)}
    for (group, part), key in keys.items():
        if publication.is_published(key):
            pooled[group][part] = publication.values[key]
        else:
            withheld[f"pooled.{group}.{part}"] = publication.reason(key) or "withheld"
    reason = withheld_reason(publication, keys.values())
    if reason:
        withheld.update(dict.fromkeys(("pooled.rl", "pooled.ci"), reason))
    else:
        result = evaluate_series(sid, pool.counts[area].series[sid])
        entry["status"] = result.status
        pooled["rl"] = result.rl
        if result.ci95:
            pooled["ci_low"], pooled["ci_high"] = result.ci95
    own = [s for submission in pool.submissions if submission.council in members
           and (s := StoredResults(submission.results).series(area, sid)).has_figure]
    entry["councils_with_figure"] = len(own)
    if len(own) < minimum:
        withheld.update(dict.fromkeys(_DISTRIBUTION, f"fewer than {minimum} councils have a figure"))
    else:
        rls = [float(s.rl) for s in own if s.rl is not None]
        entry["median"], entry["q1"], entry["q3"] = (quantile(rls, p) for p in (0.5, 0.25, 0.75))
        entry["within_range_share"] = sum(s.rating == WITHIN for s in own) / len(own)
    return entry


def _pay_bands(pool: _Pool, area: str, publication: Publication, minimum: int) -> dict:
    """SCW1: the pooled GM share of the workforce and of each band given by enough councils."""
    councils = frozenset().union(*(pool.band_councils(area, b.label) for b in pool.counts[area].bands))
    withheld: dict[str, str] = {}
    entry: dict[str, Any] = {"councils": len(councils), "gm_share_workforce": None, "bands": {},
                             "withheld": withheld}
    if len(councils) < minimum:
        withheld["gm_share_workforce"] = withheld["bands"] = _few_councils(minimum)
        return entry
    hidden_band = False
    for band in pool.counts[area].bands:
        who = pool.band_councils(area, band.label)
        keys = [(area, "SCW1", band.label, g) for g in (GM, WHITE)]
        if len(who) < minimum:
            hidden_band = True
            continue
        reason = withheld_reason(publication, keys)
        entry["bands"][band.label] = {
            "councils": len(who),
            GM: publication.values.get(keys[0]), WHITE: publication.values.get(keys[1]),
            "gm_share": None if reason else gm_share(band.gm, band.white),
            "withheld": {"gm_share": reason} if reason else {},
        }
    if hidden_band:
        withheld["gm_share_workforce"] = (
            f"withheld: some pay bands were given by fewer than {minimum} councils")
    else:
        reason = withheld_reason(publication, [(area, "SCW1", b.label, g) for g in (GM, WHITE)
                                               for b in pool.counts[area].bands])
        if reason:
            withheld["gm_share_workforce"] = reason
        else:
            total = pool.counts[area].bands
            entry["gm_share_workforce"] = gm_share(sum(b.gm for b in total),
                                                   sum(b.white for b in total))
    return entry


# -- a council's position ------------------------------------------------------------------------

#: The funnel plot's limits: 95% and 99.8% (two-sided normal quantiles).
Z_95, Z_998 = 1.959964, 3.090232


@dataclass(frozen=True)
class Funnel:
    """Every submitting council's RL against its size, with limits around the pooled RL.

    ``points`` are (size, RL) with no names; ``own`` is the council's own point, if it has one.
    The limits at a size n come from the pooled rates and GM share: the RL a council of that
    size would show by chance alone, ``SE(ln RL) = sqrt((1 - p1)/(p1 n g) + (1 - p2)/(p2 n (1 - g)))``.
    """

    pooled: float
    points: tuple[tuple[int, float], ...]
    own: tuple[int, float] | None
    sizes: tuple[float, ...]
    limits: Mapping[str, tuple[tuple[float, float], ...]]

    def outside(self, z: float) -> bool | None:
        """Say whether the council's own point lies outside the limits of ``z``."""
        if self.own is None:
            return None
        low, high = self.limit_at(self.own[0], z)
        return not low <= self.own[1] <= high

    def limit_at(self, size: float, z: float) -> tuple[float, float]:
        se = self._se(size)
        return self.pooled * math.exp(-z * se), self.pooled * math.exp(z * se)

    _p1: float = 0.0
    _p2: float = 0.0
    _g: float = 0.0

    def _se(self, size: float) -> float:
        return math.sqrt((1 - self._p1) / (self._p1 * size * self._g)
                         + (1 - self._p2) / (self._p2 * size * (1 - self._g)))


def funnel(submissions: Iterable[Submission], *, own: Hashable, area: str, sid: str,
           steps: int = 60) -> Funnel | None:
    """Return the funnel plot of one series, or None without a pooled RL to draw it around."""
    points, own_point = [], None
    totals = SeriesCounts()
    for submission in submissions:
        counts = submission.series_counts(area, sid)
        if counts is None:
            continue
        totals = totals + counts
        saved = StoredResults(submission.results).series(area, sid)
        if not saved.has_figure or saved.rl is None or saved.rl <= 0:
            continue
        point = (counts.gm.denominator + counts.white.denominator, float(saved.rl))
        points.append(point)
        if submission.council == own:
            own_point = point
    a, n1, c, n2 = (totals.gm.numerator, totals.gm.denominator, totals.white.numerator,
                    totals.white.denominator)
    if not (a and c and n1 and n2) or a == n1 or c == n2 or not points:
        return None
    pooled = (a / n1) / (c / n2)
    low = max(min(p[0] for p in points) * 0.8, 1.0)
    high = max(p[0] for p in points) * 1.2
    sizes = tuple(low * (high / low) ** (i / (steps - 1)) for i in range(steps))
    shape = Funnel(pooled, tuple(sorted(points)), own_point, sizes, {}, a / n1, c / n2,
                   n1 / (n1 + n2))
    limits = {name: tuple(shape.limit_at(n, z) for n in sizes)
              for name, z in (("95", Z_95), ("99.8", Z_998))}
    return Funnel(pooled, shape.points, own_point, sizes, limits, shape._p1, shape._p2,
                  shape._g)


def quartile_of(rl: float, q1: float, median: float, q3: float) -> int:
    """Return which quarter of councils an RL falls in: 1 (at or below Q1) to 4 (above Q3)."""
    if rl <= q1:
        return 1
    if rl <= median:
        return 2
    if rl <= q3:
        return 3
    return 4


#: Figures kept under a hash of their inputs (services/national.report_content) are served only
#: while the code that worked them out is the code that would work them out now.
FIGURES_VERSION = _figures_version()
