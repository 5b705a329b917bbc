"""Benchmark the indicator engine against pandas reading the same CSV files.

Generates (or reuses, in bench/data/) a 100,000-row staff extract, 20,000 recruitment rows and
30,000 survey rows, then measures, best of N runs:

(a) read: ``pd.read_csv(path, dtype=str)`` of the three files, nothing else (with
    ``--format xlsx``: the fastest XLSX reader, python-calamine, reading every row of the
    same data written as XLSX);
(b) compute: what the project does with the same files: read the bytes, check every cell, count
    and compute every indicator for all, adults and children.

Peak memory is measured apart from the timings: tracemalloc's peak during one compute run, and the
process's peak resident set (resource ru_maxrss) at the end. The last line is the ratio
compute / read; the targets are at most 2.00 and a peak under 500 MB.

Run ``.venv/bin/python bench/indicators.py [--repeat N] [--staff N ...]``.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere in the checkout

from bench.generate import write_extracts, write_xlsx_extracts  # noqa: E402
from tracker.domain.indicators import compute_all  # noqa: E402


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """Return the fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def read_calamine(path: Path) -> int:
    """Read every row of a workbook's first sheet with python-calamine; return the count."""
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        return sum(1 for _ in book.get_sheet_by_index(0).iter_rows())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--recruitment", type=int, default=20_000)
    parser.add_argument("--survey", type=int, default=30_000)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()

    paths = write_extracts(args.data, args.staff, args.recruitment, args.survey)
    if args.format == "xlsx":
        paths = write_xlsx_extracts(paths)

    def read_only() -> None:
        for path in paths.values():
            if args.format == "csv":
                pd.read_csv(path, dtype=str)
            else:
                read_calamine(path)

    def compute() -> dict:
        return compute_all(
            paths["staff"].read_bytes(), paths["staff"].name,
            recruitment=(paths["recruitment"].read_bytes(), paths["recruitment"].name),
            survey=(paths["survey"].read_bytes(), paths["survey"].name),
        )

    results = compute()  # warm up imports and caches; also a check that the data is valid
    read_time = best_of(args.repeat, read_only)
    compute_time = best_of(args.repeat, compute)

    gc.collect()
    tracemalloc.start()
    compute()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if sys.platform == "darwin":
        max_rss //= 1024

    sizes = ", ".join(f"{kind} {path.stat().st_size / 1e6:.1f} MB" for kind, path in paths.items())
    print(f"files: {sizes} ({args.staff:,} / {args.recruitment:,} / {args.survey:,} rows)")
    scw2 = results["all"].series["SCW2"]
    print(f"check: SCW2 all RL {scw2.rl:.2f} ({scw2.rating})")
    reader = "pd.read_csv dtype=str" if args.format == "csv" else "python-calamine, every row"
    print(f"read ({reader}, 3 files), best of {args.repeat}: {read_time:.3f} s")
    print(f"compute (read, validate, count, all indicators x 3 service areas), "
          f"best of {args.repeat}: {compute_time:.3f} s")
    print(f"peak memory during compute (tracemalloc): {traced_peak / 2**20:.1f} MiB")
    print(f"peak resident set of this process (resource ru_maxrss): {max_rss / 1024:.1f} MiB")
    print(f"compute/read ratio: {compute_time / read_time:.2f}")


if __name__ == "__main__":
    main()
