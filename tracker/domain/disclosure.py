"""Keep small numbers safe in whatever is published: suppression and the publish check.

Anything shown outside the organisation (a public page, a report or export marked for
publication, a national benchmark) must show no count of people below a threshold (10 by
default), neither directly nor worked out from the figures shown beside it.

The model
---------
A ``CountTable`` holds every count of people behind a publication, shown or not (a series'
"did not have the outcome" count is never shown but is a count of people all the same), which of
them a publication would show, and the linear ``Relation``s among them that hold in the data and
that a reader may know: a denominator is its numerator plus the rest, all staff are adults plus
children, the pay bands add up to the staff in post, and so on. Every count is at least 0.

``suppress`` decides what to show:

- **primary suppression**: a shown count below the threshold reads "fewer than 10";
- **secondary suppression**: further shown counts are withheld (they read "withheld") until no
  count below the threshold can be worked out from what is shown.

``check_publication`` is the publish check, independent of how the choice was made. For every
count below the threshold (shown or not) it computes by linear programming the range the count
could take given every published figure (the relations, each count at least 0) and requires it
to span at least the threshold. A reader also sees the words "fewer than 10", so it computes the
range again with those bounds, and requires that a count shown as "fewer than 10" can still be
anything from 0 to 9: the figures may add nothing to what the words say (two counts "fewer than
10" beside their total of 18 would otherwise both be 9). A publication that fails is refused
(``require_safe`` raises ``DisclosureError``).

Whatever is computed from counts (rates, relative likelihoods, intervals, gaps, shares) is shown
only when every count it comes from is published: ``withheld_reason(publication, inputs)``.

Pure: no I/O. Linear programs are solved with SciPy's HiGHS (``scipy.optimize.linprog``).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy.optimize import OptimizeResult, linprog

DEFAULT_THRESHOLD = 10

Key = Hashable

#: How close to the bound an LP solution must come to count as reaching it (counts are whole).
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Relation:
    """A linear fact about counts that holds in the data and that a reader may know.

    ``sum(coefficient * count) == 0``, or ``<= 0`` when ``equal`` is False (a subset: the
    regulated professionals are some of the staff).
    """

    terms: tuple[tuple[Key, int], ...]
    equal: bool = True

    @classmethod
    def total(cls, total: Key, parts: Iterable[Key]) -> Relation:
        """``total`` is the sum of ``parts``."""
        return cls(((total, 1), *((part, -1) for part in parts)))

    @classmethod
    def same(cls, first: Key, second: Key) -> Relation:
        """Two counts of the same people (all staff, for SCW3, SCW5 and SCW8)."""
        return cls(((first, 1), (second, -1)))

    @classmethod
    def at_most(cls, part: Key, whole: Key) -> Relation:
        """``part`` is some of ``whole``."""
        return cls(((part, 1), (whole, -1)), equal=False)

    def holds(self, counts: Mapping[Key, int]) -> bool:
        """Say whether the relation is true of these counts."""
        value = sum(coefficient * counts[key] for key, coefficient in self.terms)
        return value == 0 if self.equal else value <= 0

    @property
    def keys(self) -> tuple[Key, ...]:
        return tuple(key for key, _ in self.terms)


@dataclass(frozen=True)
class CountTable:
    """Every count of people behind a publication, which of them it shows, and their relations."""

    counts: Mapping[Key, int]
    shown: frozenset[Key]
    relations: tuple[Relation, ...] = ()
    #: Words for a count in messages ("SCW4 adults global majority referred").
    labels: Mapping[Key, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, value in self.counts.items():
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"count {key!r} must be a whole number of 0 or more, not {value!r}")
        missing = set(self.shown) - set(self.counts)
        if missing:
            raise ValueError(f"shown counts not in the table: {sorted(map(repr, missing))}")
        for relation in self.relations:
            unknown = [k for k in relation.keys if k not in self.counts]
            if unknown:
                raise ValueError(f"relation names counts not in the table: {unknown!r}")
            if not relation.holds(self.counts):
                raise ValueError(f"relation does not hold in the data: {relation!r}")
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))
        object.__setattr__(self, "shown", frozenset(self.shown))
        object.__setattr__(self, "relations", tuple(self.relations))

    def label(self, key: Key) -> str:
        """Name a count in words."""
        return self.labels.get(key, str(key))


@dataclass(frozen=True)
class Publication:
    """What a publication shows of a table: numbers, "fewer than N" and "withheld"."""

    threshold: int
    #: Shown counts published as numbers.
    values: Mapping[Key, int]
    #: Shown counts that read "fewer than N" (primary suppression).
    fewer_than: frozenset[Key]
    #: Shown counts that read "withheld" so that a small count cannot be worked out (secondary).
    withheld: frozenset[Key]

    def is_published(self, key: Key) -> bool:
        """Say whether the count is shown as a number."""
        return key in self.values

    def words(self, key: Key) -> str:
        """Return what the publication shows for a count: its number or why it is not shown."""
        if key in self.values:
            return f"{self.values[key]:,}"
        if key in self.fewer_than:
            return f"fewer than {self.threshold}"
        return "withheld"

    def reason(self, key: Key) -> str | None:
        """Say why a count is not shown, or None when it is."""
        if key in self.values:
            return None
        if key in self.fewer_than:
            return f"fewer than {self.threshold}"
        return f"withheld so that a number fewer than {self.threshold} cannot be worked out"


def withheld_reason(publication: Publication, inputs: Iterable[Key]) -> str | None:
    """Say why a figure computed from ``inputs`` is not shown, or None when it may be.

    A rate, relative likelihood, interval, gap or share is shown only when every count it is
    computed from is published as a number.
    """
    inputs = list(inputs)
    if any(key in publication.fewer_than for key in inputs):
        return f"not shown: it is based on a number fewer than {publication.threshold}"
    if any(not publication.is_published(key) for key in inputs):
        return (f"not shown: it is based on a number withheld to protect one fewer than "
                f"{publication.threshold}")
    return None


@dataclass(frozen=True)
class Exposure:
    """A count below the threshold that the published figures give away (too narrow a range)."""

    key: Key
    label: str
    low: float
    high: float
    with_words: bool
    message: str


class DisclosureError(ValueError):
    """A publication would let a count below the threshold be seen or worked out."""

    def __init__(self, exposures: list[Exposure]):
        super().__init__("; ".join(e.message for e in exposures[:5])
                         + (f" (and {len(exposures) - 5} more)" if len(exposures) > 5 else ""))
        self.exposures = exposures


# -- the linear programs ------------------------------------------------------------------------


class _Ranges:
    """Ranges of unpublished counts given the published ones, solved one component at a time.

    Unpublished counts are joined into components by the relations between them; a count's range
    depends only on its component (which counts are unpublished in it: the published ones in
    its relations are fixed by the table), so ranges are cached by component in ``cache``, which
    an audit shares across the many publications secondary suppression tries.
    """

    def __init__(self, table: CountTable, published: Mapping[Key, int],
                 upper: Mapping[Key, int], cache: dict):
        self.table, self.published, self.upper, self.cache = table, published, upper, cache
        parent: dict[Key, Key] = {}

        def find(key: Key) -> Key:
            root = key
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(key, key) != root:  # path compression
                parent[key], key = root, parent[key]
            return root

        self._relations: list[Relation] = []
        for relation in table.relations:
            unknown = [key for key in relation.keys if key not in published]
            if not unknown:
                continue  # only published counts: it tells nothing about the rest
            self._relations.append(relation)
            first = find(unknown[0])
            for key in unknown[1:]:
                root = find(key)
                if root != first:
                    parent[root] = first
        self._find = find
        self._members: dict[Key, list[Key]] = {}
        self._rows: dict[Key, list[Relation]] = {}
        for relation in self._relations:
            root = find(next(k for k in relation.keys if k not in published))
            self._rows.setdefault(root, []).append(relation)
        linked = {key for relation in self._relations for key in relation.keys
                  if key not in published}
        for key in linked:
            self._members.setdefault(find(key), []).append(key)

    def _component(self, key: Key) -> tuple[list[Key], list[Relation]]:
        root = self._find(key)
        return self._members.get(root, [key]), self._rows.get(root, [])

    def width_of(self, key: Key) -> float:
        """Return how far apart two values of the count could be (may be infinite).

        One linear program over two copies of the component: maximise x[key] - y[key].
        """
        if key in self.published:
            return 0.0
        members, rows = self._component(key)
        signature = ("width", frozenset(members), key)
        if signature not in self.cache:
            if not rows:
                bound = self.upper.get(key)
                self.cache[signature] = math.inf if bound is None else float(bound)
            else:
                self.cache[signature] = self._width(key, members, rows)
        return self.cache[signature]

    def range_of(self, key: Key) -> tuple[float, float]:
        """Return the least and greatest value the count could take (high may be infinite)."""
        if key in self.published:
            value = float(self.published[key])
            return value, value
        members, rows = self._component(key)
        if not rows:
            bound = self.upper.get(key)
            return 0.0, math.inf if bound is None else float(bound)
        system = self._system(members, rows)
        objective = np.zeros(len(members))
        objective[members.index(key)] = 1.0
        low = linprog(objective, **system, method="highs")
        high = linprog(-objective, **system, method="highs")
        return (_optimum(low) if low.status == 0 else 0.0,
                -_optimum(high) if high.status == 0 else math.inf)

    def _system(self, members: list[Key], rows: list[Relation], copies: int = 1) -> dict:
        """The component's relations (published counts moved to the right) as linprog's arrays."""
        position = {m: p for p, m in enumerate(members)}
        n = len(members)

        def matrix(selected: list[Relation]):
            if not selected:
                return None, None
            a = np.zeros((len(selected) * copies, n * copies))
            b = np.zeros(len(selected) * copies)
            for r, relation in enumerate(selected):
                rhs = 0.0
                for k, coefficient in relation.terms:
                    if k in self.published:
                        rhs -= coefficient * self.published[k]
                    else:
                        for copy in range(copies):
                            a[copy * len(selected) + r, copy * n + position[k]] += coefficient
                for copy in range(copies):
                    b[copy * len(selected) + r] = rhs
            return a, b

        a_eq, b_eq = matrix([r for r in rows if r.equal])
        a_ub, b_ub = matrix([r for r in rows if not r.equal])
        bounds = [(0, self.upper.get(m)) for m in members] * copies
        return {"A_eq": a_eq, "b_eq": b_eq, "A_ub": a_ub, "b_ub": b_ub, "bounds": bounds}

    def _width(self, key: Key, members: list[Key], rows: list[Relation]) -> float:
        n = len(members)
        objective = np.zeros(2 * n)
        objective[members.index(key)] = -1.0
        objective[n + members.index(key)] = 1.0
        result = linprog(objective, **self._system(members, rows, copies=2), method="highs")
        if result.status == 2:
            raise ValueError("the published figures contradict each other")
        return math.inf if result.status == 3 else -_optimum(result)


def _optimum(result: OptimizeResult) -> float:
    """The objective's value at the optimum linprog found."""
    assert result.fun is not None, f"linprog found no optimum: {result.message}"
    return float(result.fun)


def protected_keys(table: CountTable, threshold: int) -> list[Key]:
    """Return the counts below the threshold, shown or not: those the publication protects."""
    return [key for key, value in table.counts.items() if value < threshold]


class _Audit:
    """The publish check's linear programs for one table and one set of "fewer than" counts."""

    def __init__(self, table: CountTable, fewer_than: frozenset[Key], threshold: int):
        self.table, self.threshold = table, threshold
        self.upper = {key: threshold - 1 for key in fewer_than}
        self.protected = protected_keys(table, threshold)
        self.caches: tuple[dict, dict] = ({}, {})
        self._alone: _Ranges | None = None

    def exposures(self, published: Mapping[Key, int],
                  only: Iterable[Key] | None = None) -> list[Exposure]:
        threshold, table = self.threshold, self.table
        numbers = _Ranges(table, published, {}, self.caches[0])
        words = _Ranges(table, published, self.upper, self.caches[1])
        found: list[Exposure] = []
        for key in (list(only) if only is not None else self.protected):
            label = table.label(key)
            if key in published:
                found.append(Exposure(key, label, published[key], published[key], False,
                                      f"{label} is shown although it is fewer than {threshold}"))
                continue
            if numbers.width_of(key) < threshold - _TOLERANCE:
                low, high = numbers.range_of(key)
                found.append(Exposure(
                    key, label, low, high, False,
                    f"{label} could be worked out to lie between {_number(low)} and "
                    f"{_number(high)} from the published figures"))
                continue
            # With the words too, the figures may narrow a count no further than the words alone
            # do (a count "fewer than 10" can be anything from 0 to 9; so can the rest of a
            # denominator that is itself "fewer than 10").
            members, _ = words._component(key)
            if not any(m in self.upper for m in members):
                continue  # no "fewer than" in its component: the same program as above
            width = words.width_of(key)
            if width >= threshold - _TOLERANCE:
                continue
            if self._alone is None:
                self._alone = _Ranges(table, {}, self.upper, {})
            if width < min(threshold, self._alone.width_of(key)) - _TOLERANCE:
                low, high = words.range_of(key)
                found.append(Exposure(
                    key, label, low, high, True,
                    f"{label} could be worked out to lie between {_number(low)} and "
                    f"{_number(high)} from the published figures and the words "
                    f"\"fewer than {threshold}\""))
        return found


def _number(value: float) -> str:
    return "any higher number" if math.isinf(value) else f"{value:g}"


def check_publication(table: CountTable, publication: Publication) -> list[Exposure]:
    """Return every way the publication exposes a count below its threshold (none: it is safe).

    Also refuses a publication that is not of this table: a shown count neither published,
    "fewer than" nor withheld, a published number that is not the count, or "fewer than" said
    of a count that is not.
    """
    threshold = publication.threshold
    if threshold < 1:
        raise ValueError("the disclosure threshold must be 1 or more")
    said = set(publication.values) | publication.fewer_than | publication.withheld
    if said != set(table.shown) or len(said) != (len(publication.values)
                                                  + len(publication.fewer_than)
                                                  + len(publication.withheld)):
        raise ValueError("the publication must say exactly one thing of each shown count")
    for key, value in publication.values.items():
        if table.counts[key] != value:
            raise ValueError(f"{table.label(key)} is published as {value}, not its count")
    for key in publication.fewer_than:
        if table.counts[key] >= threshold:
            raise ValueError(f"{table.label(key)} is said to be fewer than {threshold}: it is not")
    return _Audit(table, publication.fewer_than, threshold).exposures(publication.values)


def require_safe(table: CountTable, publication: Publication) -> None:
    """Raise DisclosureError unless the publication passes the publish check."""
    exposures = check_publication(table, publication)
    if exposures:
        raise DisclosureError(exposures)


def suppress(table: CountTable, threshold: int = DEFAULT_THRESHOLD) -> Publication:
    """Choose what to show: small counts read "fewer than N", and enough others are withheld.

    Secondary suppression: first the plain rule (a protected count alone among the unpublished
    counts of a relation is given away exactly, so the smallest published count there is
    withheld too), then rounds of the publish check's linear programs: each exposed count takes
    its nearest, smallest published neighbour with it, so that as little as possible is lost.
    The result passes ``check_publication`` (it is checked before it is returned).
    """
    if threshold < 1:
        raise ValueError("the disclosure threshold must be 1 or more")
    choice = _Suppression(table, threshold)
    choice.plain_rule()
    choice.by_linear_programs()
    publication = Publication(threshold, MappingProxyType(dict(choice.published)),
                              choice.fewer_than, frozenset(choice.withheld))
    require_safe(table, publication)
    return publication


class _Suppression:
    """The choice of what to withhold, made step by step."""

    def __init__(self, table: CountTable, threshold: int):
        self.table, self.threshold = table, threshold
        self.fewer_than = frozenset(k for k in table.shown if table.counts[k] < threshold)
        self.published = {k: table.counts[k] for k in table.shown if k not in self.fewer_than}
        self.withheld: set[Key] = set()
        self.protected = set(protected_keys(table, threshold))
        self.relations_of: dict[Key, list[Relation]] = {}
        for relation in table.relations:
            for key in relation.keys:
                self.relations_of.setdefault(key, []).append(relation)

    def withhold(self, key: Key) -> None:
        del self.published[key]
        self.withheld.add(key)

    def plain_rule(self) -> None:
        """Withhold beside every protected count left alone unpublished in a relation."""
        changed = True
        while changed:
            changed = False
            for relation in self.table.relations:
                unknown = [k for k in relation.keys if k not in self.published]
                if relation.equal and len(unknown) == 1 and unknown[0] in self.protected:
                    others = sorted((k for k in relation.keys if k in self.published),
                                    key=lambda k: (self.published[k], repr(k)))
                    if others:
                        self.withhold(others[0])
                        changed = True

    def neighbourhood(self, key: Key) -> tuple[set[Key], list[Key]]:
        """The count's unpublished neighbourhood, and the published counts in its relations:
        those nearest the count first, then the smallest."""
        seen, frontier = {key}, deque([(key, 0)])
        found: dict[Key, int] = {}  # a published count, and how far it is from the count
        while frontier:
            current, distance = frontier.popleft()
            for relation in self.relations_of.get(current, ()):
                for other in relation.keys:
                    if other in self.published:
                        found.setdefault(other, distance)
                    elif other not in seen:
                        seen.add(other)
                        frontier.append((other, distance + 1))
        return seen, sorted(found, key=lambda k: (found[k], self.published[k], repr(k)))

    def by_linear_programs(self) -> None:
        """Withhold until the publish check finds nothing exposed.

        Withholding more only widens what a count could be, so a count that passed stays
        passed: each round checks again only the counts still exposed.
        """
        audit = _Audit(self.table, self.fewer_than, self.threshold)
        pending: list[Key] | None = None
        for _ in range(len(self.table.shown) + 1):
            exposures = audit.exposures(self.published, pending)
            if not exposures:
                return
            pending = [exposure.key for exposure in exposures]
            touched: set[Key] = set()
            chosen: list[Key] = []
            for exposure in exposures:
                if exposure.key in touched:
                    continue  # one count a round per neighbourhood: one may be enough for all
                seen, candidates = self.neighbourhood(exposure.key)
                if candidates:
                    chosen.append(candidates[0])
                    touched |= seen
            if not chosen:
                raise DisclosureError(exposures)
            for key in chosen:
                if key in self.published:
                    self.withhold(key)
