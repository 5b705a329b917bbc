"""Small, realistic extract files for integration and browser tests (the bench generator's)."""

from __future__ import annotations

from pathlib import Path

from bench.generate import write_extracts


def small_extracts(folder: Path) -> dict[str, Path]:
    """Write a 600-person staff extract, 150 applicants and 200 survey respondents."""
    return write_extracts(folder, staff=600, recruitment=150, survey=200)
