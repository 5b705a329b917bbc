"""Real exports: detection, mapping and checks against pandas only reading the same files.

Writes (once, in bench/data/) the 100,000-row staff extract, 20,000 recruitment and 30,000 survey
rows as an HR system exports them: two title rows above the header, semicolon-delimited
Windows-1252 CSV, the system's own headers (``Employee No``, ``Ethnic Desc``, ``Leaving Flag``,
``Outcome`` with recruitment outcome words ...) and some labels of its own, so that every step
runs: the encoding, delimiter and header row are detected, the organisation's mapping (as
``--mapping`` takes it) chooses the columns and gives the labels their meaning, every cell is
checked, the data-quality warnings are worked out, and every indicator is computed for all,
adults and children. The same data is written as XLSX too.

Measured, best of N:

(a) read: what pandas takes only to read the three files (``pd.read_csv(path, sep=';',
    encoding='cp1252', skiprows=2, dtype=str)``; for XLSX ``pd.read_excel(path,
    engine='calamine', skiprows=2, dtype=str)``, the fastest reader pandas has);
(b) compute: the project's read, detect, map, check, warn, count and compute.

The last lines are the ratios compute / read (target: at most 2.00).

With ``--million`` it instead computes a 1,000,000-row staff CSV in a fresh process and reports
that process's peak resident set (target: under 1 GB).

Run ``.venv/bin/python bench/extracts.py [--repeat N] [--million]``.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere in the checkout

from bench.generate import write_extracts, write_xlsx  # noqa: E402

TITLE = ["Northshire County Council - HR extract", "Run 03/12/2026 09:14 by payroll"]
HEADERS = {
    "staff": {"staff_id": "Employee No", "ethnicity": "Ethnic Desc", "service_area": "Dept",
              "pay_band": "Grade", "left_in_period": "Leaving Flag"},
    "recruitment": {"ethnicity": "Ethnic Desc", "service_area": "Dept"},
    "survey": {"ethnicity": "Ethnic Desc", "service_area": "Dept"},
}
LABELS = {"Roma": "WB*", "Other White": "W-OTH"}  # the system's own codes for two labels
MAPPING = {
    "staff": {"columns": HEADERS["staff"]},
    "recruitment": {"columns": HEADERS["recruitment"]},
    "survey": {"columns": HEADERS["survey"]},
    "values": {"ethnicity": {"WB*": "white", "W-OTH": "white"}, "service_area": {},
               "yes_no": {}, "outcome": {"Unsuccessful": "shortlisted"}},
}


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """Return the fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def as_exported(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Rename, relabel and (recruitment) turn appointed into outcome words."""
    frame = frame.rename(columns=HEADERS[kind])
    frame["Ethnic Desc"] = frame["Ethnic Desc"].replace(LABELS)
    if kind == "recruitment":
        yes = frame.pop("appointed").str.strip().str.casefold().isin(["yes", "y", "true", "1"])
        frame["Outcome"] = yes.map({True: "Appointed", False: "Unsuccessful"})
    return frame


def write_exports(out: Path, staff: int, recruitment: int, survey: int) -> dict[str, dict]:
    """Write the exports as CSV and XLSX (once); return {format: {kind: path}}."""
    plain = write_extracts(out, staff, recruitment, survey)
    paths: dict[str, dict] = {"csv": {}, "xlsx": {}}
    for kind, path in plain.items():
        csv_path = path.with_name(f"export-{path.stem}.csv")
        xlsx_path = csv_path.with_suffix(".xlsx")
        if not csv_path.exists() or not xlsx_path.exists():
            frame = as_exported(pd.read_csv(path, dtype=str, keep_default_na=False), kind)
            text = frame.to_csv(index=False, sep=";")
            csv_path.write_bytes(("\n".join(TITLE) + "\n" + text).encode("cp1252"))
            # row 1 the title, row 2 blank, row 3 the header
            width = len(frame.columns)
            body = pd.concat([pd.DataFrame([[""] * width, list(frame.columns)],
                                           columns=frame.columns), frame], ignore_index=True)
            write_xlsx(body.set_axis([TITLE[0]] + [""] * (width - 1), axis=1), xlsx_path)
        paths["csv"][kind], paths["xlsx"][kind] = csv_path, xlsx_path
    return paths


def pandas_read(fmt: str, path: Path) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, sep=";", encoding="cp1252", skiprows=2, dtype=str)
    return pd.read_excel(path, engine="calamine", skiprows=2, dtype=str)


def project_compute(paths: dict[str, Path], mapping) -> tuple[dict, list]:
    """What an upload does with the files, up to the preview: read, detect, map, check, warn,
    count and compute."""
    from tracker.domain.checks import extract_warnings
    from tracker.domain.counts import counts_from_extracts
    from tracker.domain.extracts import read_extracts
    from tracker.domain.indicators import compute_results

    extracts = read_extracts(**{kind: (path.read_bytes(), path.name)
                                for kind, path in paths.items()}, mapping=mapping)
    warnings = extract_warnings(extracts)
    counts = counts_from_extracts(**extracts)
    return {area: compute_results(c) for area, c in counts.items()}, warnings


def million(data: Path) -> None:
    """Compute a 1,000,000-row staff CSV in this process; print its peak resident set."""
    from tracker.domain.extracts import SCHEMAS
    from tracker.domain.mappings import parse_mapping

    paths = write_exports(data, 1_000_000, 1, 1)
    start = time.perf_counter()
    results, warnings = project_compute({"staff": paths["csv"]["staff"]},
                                        parse_mapping(MAPPING, "mapping", SCHEMAS))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    size = paths["csv"]["staff"].stat().st_size / 1e6
    print(f"1,000,000-row staff CSV ({size:.0f} MB): computed in {elapsed:.1f} s, "
          f"SCW8 RL {results['all'].series['SCW8'].rl:.2f}, {len(warnings)} warnings; "
          f"peak resident set {peak:.0f} MiB (target under 1,024 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--recruitment", type=int, default=20_000)
    parser.add_argument("--survey", type=int, default=30_000)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--million", action="store_true",
                        help="measure a 1,000,000-row CSV's peak memory (in a new process)")
    parser.add_argument("--million-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.million_child:
        million(args.data)
        return
    if args.million:
        subprocess.run([sys.executable, __file__, "--million-child", "--data", str(args.data)],
                       check=True)
        return

    from tracker.domain.extracts import SCHEMAS
    from tracker.domain.mappings import parse_mapping

    mapping = parse_mapping(MAPPING, "mapping", SCHEMAS)
    paths = write_exports(args.data, args.staff, args.recruitment, args.survey)
    ratios = {}
    for fmt in ("csv", "xlsx"):
        results, warnings = project_compute(paths[fmt], mapping)  # warm up; the data is valid
        frames = [pandas_read(fmt, p) for p in paths[fmt].values()]
        assert [len(f) for f in frames] == [args.staff, args.recruitment, args.survey], \
            [len(f) for f in frames]
        read_time = best_of(args.repeat, lambda fmt=fmt: [pandas_read(fmt, p)
                                                          for p in paths[fmt].values()])
        compute_time = best_of(args.repeat, lambda fmt=fmt: project_compute(paths[fmt], mapping))
        ratios[fmt] = compute_time / read_time
        sizes = ", ".join(f"{k} {p.stat().st_size / 1e6:.1f} MB" for k, p in paths[fmt].items())
        print(f"{fmt.upper()}: {sizes}; SCW2 all RL {results['all'].series['SCW2'].rl:.2f}; "
              f"{len(warnings)} warnings")
        print(f"  pandas read only, best of {args.repeat}: {read_time:.3f} s")
        print(f"  detect, map, check, warn, count, compute, best of {args.repeat}: "
              f"{compute_time:.3f} s")
    for fmt, ratio in ratios.items():
        print(f"{fmt.upper()} compute/read ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
