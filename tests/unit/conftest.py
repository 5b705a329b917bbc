"""Build small extract files (CSV or XLSX bytes) for the indicator engine's unit tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

import openpyxl
import pytest

from tracker.domain.extracts import SCHEMAS

DEFAULTS: dict[str, str] = {
    "ethnicity": "White: Irish",
    "service_area": "adults",
    "pay_band": "<30k",
    "appointed": "no",
    "hba_public": "no",
    "hba_colleagues": "no",
    "hba_managers": "no",
    **dict.fromkeys(SCHEMAS["staff"].yes_no, "no"),
}


class Files:
    """Make extract files: one dict per row, missing cells filled with harmless defaults."""

    def csv(self, header: Sequence[str], rows: Sequence[Sequence[object]],
            encoding: str = "utf-8") -> bytes:
        """Write rows under a header as CSV bytes, exactly as given."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode(encoding)

    def xlsx(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
        """Write rows under a header as a one-sheet workbook (None leaves a cell empty)."""
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def extract(self, kind: str, rows: Sequence[Mapping[str, object]], *, xlsx: bool = False,
                header: Sequence[str] | None = None) -> bytes:
        """Write an extract of the given kind; staff ids default to S1, S2, ..."""
        header = list(header or SCHEMAS[kind].columns)
        table = []
        for number, row in enumerate(rows, start=1):
            cells = {**DEFAULTS, "staff_id": f"S{number}", **row}
            table.append([cells.get(column.strip().casefold(), "") for column in header])
        return self.xlsx(header, table) if xlsx else self.csv(header, table)

    def staff(self, rows: Sequence[Mapping[str, object]], **options) -> bytes:
        return self.extract("staff", rows, **options)

    def recruitment(self, rows: Sequence[Mapping[str, object]], **options) -> bytes:
        return self.extract("recruitment", rows, **options)

    def survey(self, rows: Sequence[Mapping[str, object]], **options) -> bytes:
        return self.extract("survey", rows, **options)


@pytest.fixture
def files() -> Files:
    return Files()
