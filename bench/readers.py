"""Compare the maintained spreadsheet readers on the same staff extract (why python-calamine).

Writes (once, in bench/data/) the 100,000-row staff extract as XLSX and a 10,000-row one as ODS,
then times, best of N, reading every row of the first sheet with:

- XLSX: python-calamine; openpyxl (read-only, values only); pandas.read_excel (calamine engine);
- ODS: python-calamine; odfpy (through pandas.read_excel, engine "odf");
- XLS: python-calamine and xlrd read .xls, but nothing here can write an .xls file to time them
  on (neither pandas nor openpyxl writes the old format), so they are not timed.

Run ``.venv/bin/python bench/readers.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.generate import staff_frame, write_xlsx  # noqa: E402
from bench.indicators import best_of, read_calamine  # noqa: E402


def openpyxl_rows(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    xlsx = args.data / "readers-staff-100000.xlsx"
    if not xlsx.exists():
        write_xlsx(staff_frame(100_000), xlsx)
    ods = args.data / "readers-staff-10000.ods"
    if not ods.exists():
        staff_frame(10_000).to_excel(ods, engine="odf", index=False)

    runs = {
        "XLSX 100,000 rows, python-calamine": lambda: read_calamine(xlsx),
        "XLSX 100,000 rows, pandas.read_excel(engine='calamine')":
            lambda: pd.read_excel(xlsx, engine="calamine", dtype=str),
        "XLSX 100,000 rows, openpyxl read-only": lambda: openpyxl_rows(xlsx),
        "ODS 10,000 rows, python-calamine": lambda: read_calamine(ods),
        "ODS 10,000 rows, odfpy (pandas engine 'odf')":
            lambda: pd.read_excel(io.BytesIO(ods.read_bytes()), engine="odf", dtype=str),
    }
    for name, work in runs.items():
        repeat = 1 if "openpyxl" in name or "odfpy" in name else args.repeat
        print(f"{name}: {best_of(repeat, work):.2f} s")
    print("XLS: python-calamine and xlrd both read it; not timed (no .xls writer here)")


if __name__ == "__main__":
    main()
