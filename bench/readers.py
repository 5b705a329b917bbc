"""Compare the maintained spreadsheet readers on the same staff extract (why python-calamine).

Writes (once, in bench/data/) the 100,000-row staff extract as XLSX and a 10,000-row one as ODS,
then times, best of N, reading every row of the first sheet with:

- XLSX: python-calamine; openpyxl (read-only, values only); pandas.read_excel (calamine engine);
- ODS: python-calamine; odfpy (through pandas.read_excel, engine "odf");
- XLS: python-calamine; xlrd (the maintained reader of the old format), on a 60,000-row .xls
  written by xlwt (the old format holds at most 65,536 rows a sheet; xlwt is a test and bench
  dependency only, since no maintained library writes .xls).

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


def xlrd_rows(path: Path) -> int:
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    sheet = book.sheet_by_index(0)
    return sum(1 for _ in sheet.get_rows())


def write_xls(frame: pd.DataFrame, path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("staff")
    for col, name in enumerate(frame.columns):
        sheet.write(0, col, name)
    for row, values in enumerate(frame.itertuples(index=False), start=1):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    book.save(str(path))


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

    xls = args.data / "readers-staff-60000.xls"
    if not xls.exists():
        write_xls(staff_frame(60_000), xls)

    runs = {
        "XLSX 100,000 rows, python-calamine": lambda: read_calamine(xlsx),
        "XLSX 100,000 rows, pandas.read_excel(engine='calamine')":
            lambda: pd.read_excel(xlsx, engine="calamine", dtype=str),
        "XLSX 100,000 rows, openpyxl read-only": lambda: openpyxl_rows(xlsx),
        "ODS 10,000 rows, python-calamine": lambda: read_calamine(ods),
        "ODS 10,000 rows, odfpy (pandas engine 'odf')":
            lambda: pd.read_excel(io.BytesIO(ods.read_bytes()), engine="odf", dtype=str),
        "XLS 60,000 rows, python-calamine": lambda: read_calamine(xls),
        "XLS 60,000 rows, xlrd": lambda: xlrd_rows(xls),
    }
    for name, work in runs.items():
        repeat = 1 if "openpyxl" in name or "odfpy" in name else args.repeat
        print(f"{name}: {best_of(repeat, work):.2f} s")



if __name__ == "__main__":
    main()
