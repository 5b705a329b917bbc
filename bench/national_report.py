"""Time the national report's computation (pooling, breakdowns, suppression and publish check).

    .venv/bin/python bench/national_report.py [COUNCILS ...]

Councils are the demo's counts scaled and varied (tracker/demo/national.py), spread over the
nine regions and four kinds of council. Prints the seconds per report for each size.
"""

from __future__ import annotations

import sys
import time

from tracker.demo.national import _rows
from tracker.domain.counts import counts_from_rows
from tracker.domain.indicators import compute_results
from tracker.domain.national import Submission, national_figures
from tracker.domain.programme import REGIONS, CouncilKind

KINDS = [kind.value for kind in CouncilKind]


def councils(n: int) -> list[Submission]:
    made = []
    for i in range(n):
        counts = counts_from_rows(_rows(i + 1))
        made.append(Submission(i, {a: c.to_dict() for a, c in counts.items()},
                               {a: compute_results(c).to_dict() for a, c in counts.items()},
                               region=REGIONS[i % len(REGIONS)], kind=KINDS[i % len(KINDS)]))
    return made


def main(sizes: list[int]) -> None:
    for n in sizes:
        submissions = councils(n)
        start = time.perf_counter()
        figures = national_figures(submissions)
        seconds = time.perf_counter() - start
        shown = sum(len(groups) for groups in figures.breakdowns.values())
        print(f"{n:4d} councils: {seconds:6.2f} s ({shown} groups shown)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 50, 150])
