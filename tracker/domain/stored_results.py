"""Read saved indicator results (the JSON a dataset keeps) as typed values, in one place.

A dataset's ``results`` column holds, per service area, ``Results.to_dict()`` (see
tracker/domain/indicators.py): ``{"indicators": {"SCW2": {"status", "rl", "rating", "ci95",
"low_confidence", "gm", "white", "unknown", ...}, "SCW1": {...}}, "declaration_rate": {...}}``.
Every page, service and command that reads saved (or freshly computed) results goes through
``StoredResults``: a missing area or indicator reads as "no data", never as a KeyError, and
older rows that lack a key (``low_confidence``, ``gap_pp``) read with its default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.domain.counts import Tally
from tracker.domain.definitions import SERVICE_AREAS
from tracker.domain.indicators import NO_DATA, OK

__all__ = ["StoredResults", "StoredSeries"]


def _tally(data: Any) -> Tally | None:
    if not isinstance(data, Mapping):
        return None
    return Tally(int(data.get("numerator", 0)), int(data.get("denominator", 0)))


@dataclass(frozen=True)
class StoredSeries:
    """One relative-likelihood series of one service area, as it was saved."""

    indicator: str
    status: str = NO_DATA
    rl: float | None = None
    rating: str | None = None
    ci95: tuple[float, float] | None = None
    low_confidence: bool = False
    gm: Tally | None = None
    white: Tally | None = None
    unknown: Tally | None = None
    gap_pp: float | None = None

    @classmethod
    def read(cls, indicator: str, data: Mapping[str, Any] | None) -> StoredSeries:
        """Read a saved entry; None (nothing saved) is "no data"."""
        if not data:
            return cls(indicator)
        ci95 = data.get("ci95")
        return cls(
            indicator=indicator, status=data.get("status", NO_DATA), rl=data.get("rl"),
            rating=data.get("rating"),
            ci95=(float(ci95[0]), float(ci95[1])) if ci95 else None,
            low_confidence=bool(data.get("low_confidence", False)),
            gm=_tally(data.get("gm")), white=_tally(data.get("white")),
            unknown=_tally(data.get("unknown")), gap_pp=data.get("gap_pp"),
        )

    @property
    def is_saved(self) -> bool:
        """Say whether anything was saved for the series (its counts, at least)."""
        return self.gm is not None or self.white is not None

    @property
    def has_figure(self) -> bool:
        """Say whether the series has a relative likelihood (its status is "ok")."""
        return self.status == OK and self.rl is not None


class StoredResults:
    """Saved results of every service area of one dataset (or none: everything is no data)."""

    def __init__(self, data: Mapping[str, Any] | None):
        self._data: Mapping[str, Any] = data or {}
        # Each series read once: a page that walks one cycle's figures for every area and
        # indicator (the review, its trends, its targets) reads the same ones again and again.
        self._series: dict[tuple[str, str], StoredSeries] = {}

    @property
    def areas(self) -> list[str]:
        """Return the service areas that have results, in the usual order (all, adults, children)."""
        return [area for area in SERVICE_AREAS if area in self._data]

    def __contains__(self, area: object) -> bool:
        return area in self._data

    def __bool__(self) -> bool:
        return bool(self._data)

    def _indicators(self, area: str) -> Mapping[str, Any]:
        return (self._data.get(area) or {}).get("indicators") or {}

    def series(self, area: str, indicator: str) -> StoredSeries:
        """Return one series of one area ("no data" when it was not saved)."""
        key = (area, indicator)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = StoredSeries.read(
                indicator, self._indicators(area).get(indicator))
        return found

    def rating(self, area: str, indicator: str) -> str | None:
        """Return one series' rating alone (None when not rated): a table of many councils
        needs no more of it."""
        return (self._indicators(area).get(indicator) or {}).get("rating")

    def pay_bands(self, area: str) -> Mapping[str, Any]:
        """Return SCW1 (the workforce share and each band) as saved, or an empty mapping."""
        return self._indicators(area).get("SCW1") or {}

    def declaration_rate(self, area: str) -> Mapping[str, Any]:
        """Return the share of people whose ethnicity is known, per extract, as saved."""
        return (self._data.get(area) or {}).get("declaration_rate") or {}
