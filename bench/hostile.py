"""Generate the hostile uploads of issue 9 ("upload bombs") and measure how each is refused.

The files, written to bench/data/hostile/ (each small on disk, enormous once laid out):

- ``wide.xlsx``: a staff header, then 20,000 rows each with one cell in column XFD (about
  156 KB; a reader that pads every row to the sheet's width needs 2.7 GB);
- ``tall.xlsx``: 5,000,000 one-cell rows (about 390 KB);
- ``wide.csv``: a header of 1,000,000 columns (about 7.9 MB).

For each file the script runs the project's reader in a fresh process and reports the time it
took to refuse it, the message, and that process's peak resident memory; then it serves the app
under gunicorn (2 workers, loopback), posts all three files at once to the upload page as the
demo's EDI lead, and times ``/health`` while they are being refused. Targets: each refused in
under 5 s with a peak under 300 MB, and ``/health`` answering meanwhile.

Run ``.venv/bin/python bench/hostile.py [--no-server]``.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAFF_HEADER = ("staff_id", "ethnicity", "service_area", "pay_band", "senior_manager",
                "regulated_professional", "formal_disciplinary", "ftp_referral", "funded_cpd",
                "left_in_period")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Staff" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '</Relationships>'
)


def _letters(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_row() -> str:
    cells = "".join(f'<c r="{_letters(i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
                    for i, name in enumerate(STAFF_HEADER))
    return f'<row r="1">{cells}</row>'


def xlsx_with_rows(rows, *, header: bool = True) -> bytes:
    """Write a one-sheet XLSX whose sheet data is ``rows`` (an iterable of row XML strings),
    streamed into the archive so that a file of millions of rows needs little memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData>')
            if header:
                sheet.write(_header_row().encode())
            pending: list[str] = []
            for row in rows:
                pending.append(row)
                if len(pending) == 10_000:
                    sheet.write("".join(pending).encode())
                    pending.clear()
            sheet.write("".join(pending).encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def wide_xlsx(rows: int = 20_000) -> bytes:
    """A staff header, then ``rows`` rows each with one cell in column XFD (the last)."""
    return xlsx_with_rows(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>'
                          for r in range(2, rows + 2))


def tall_xlsx(rows: int = 5_000_000) -> bytes:
    """``rows`` rows of one cell each (without the optional row and cell references, as some
    writers do, so it packs to a few hundred kilobytes)."""
    return xlsx_with_rows("<row><c><v>1</v></c></row>" for _ in range(rows))


def wide_csv(columns: int = 1_000_000) -> bytes:
    """A header of ``columns`` columns and one row."""
    header = ",".join(f"c{i}" for i in range(columns))
    return (header + "\n1\n").encode()


FILES = {"wide.xlsx": wide_xlsx, "tall.xlsx": tall_xlsx, "wide.csv": wide_csv}


def write_all(directory: Path) -> dict[str, Path]:
    """Write the three hostile files (once) and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, make in FILES.items():
        path = directory / name
        if not path.exists():
            path.write_bytes(make())
        paths[name] = path
    return paths


_MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
data = open({path!r}, 'rb').read()
from tracker.domain.extracts import read_staff
from tracker.domain.problems import ExtractValidationError
start = time.perf_counter()
try:
    read_staff(data, {name!r})
    message = 'ACCEPTED'
except ExtractValidationError as error:
    message = error.problems[0].message
elapsed = time.perf_counter() - start
print(json.dumps({{'seconds': elapsed, 'message': message,
                   'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(path: Path) -> dict:
    """Read one file in a fresh process; return the time, the message and the peak memory."""
    code = _MEASURE.format(root=str(ROOT), path=str(path), name=path.name)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "hostile")
    parser.add_argument("--no-server", action="store_true",
                        help="skip the gunicorn run that times /health meanwhile")
    args = parser.parse_args()
    paths = write_all(args.data)
    worst_time = worst_peak = 0.0
    for name, path in paths.items():
        result = measure(path)
        worst_time, worst_peak = max(worst_time, result["seconds"]), max(worst_peak,
                                                                        result["peak_mib"])
        print(f"{name} ({path.stat().st_size / 1e3:,.0f} KB): refused in "
              f"{result['seconds']:.2f} s, peak resident {result['peak_mib']:.0f} MiB: "
              f"{result['message']}")
    if not args.no_server:
        from bench.hostile_server import serve_and_post

        serve_and_post(paths)
    print(f"slowest refusal: {worst_time:.2f} s (target under 5 s)")
    print(f"largest peak: {worst_peak:.0f} MiB (target under 300 MiB)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
