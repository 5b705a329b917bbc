"""Generate realistic, made-up staff, recruitment and survey extracts for benchmarks and demos.

Labels are mixed as real HR exports mix them: ONS 2021 labels in varied case and spacing,
categories alone, NHS codes, group names, blanks and "not stated" markers; yes/no cells in every
accepted spelling. About 26% of known ethnicities are global majority (docs/domain.md section 7), with
outcome rates skewed so the indicators look like the national figures. Deterministic for a seed.

Run ``python bench/generate.py OUT_DIR [--staff N --recruitment N --survey N]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

WHITE_LABELS = [
    "White: English, Welsh, Scottish, Northern Irish or British",
    "WHITE: ENGLISH, WELSH, SCOTTISH, NORTHERN IRISH OR BRITISH",
    "English, Welsh, Scottish, Northern Irish or British",
    "white:  Irish", "Irish", "White: Gypsy or Irish Traveller", "Roma", "Other White",
    "White", "A", "B", "C", " a ",
]
GM_LABELS = [
    "Asian, Asian British or Asian Welsh: Indian", "Indian", "Pakistani", "bangladeshi",
    "Asian, Asian British or Asian Welsh: Chinese", "Other Asian",
    "Black, Black British, Black Welsh, Caribbean or African: African", "African",
    "Black, Black British, Black Welsh, Caribbean or African: Caribbean", "Caribbean",
    "Other Black", "Mixed or Multiple ethnic groups: White and Black Caribbean",
    "White and Black African", "White and Asian", "Other Mixed or Multiple ethnic groups",
    "Other ethnic group: Arab", "Any other ethnic group", "Asian, Asian British or Asian Welsh",
    "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S",
]
UNKNOWN_LABELS = ["", "", "", "Not stated", "Prefer not to say", "Unknown", "Not known", "Z",
                  "not  stated"]
YES_SPELLINGS = ["yes", "Yes", "YES", "y", "Y", "true", "TRUE", "1"]
NO_SPELLINGS = ["no", "No", "NO", "n", "N", "false", "FALSE", "0", ""]
AREA_SPELLINGS = {0: ["adults", "Adults", "ADULTS", " adults"], 1: ["children", "Children"]}
BANDS = ["<30k", "30-69k", "70k+"]


def _pick(rng: np.random.Generator, labels: list[str], n: int) -> np.ndarray:
    return np.asarray(labels, dtype=object)[rng.integers(0, len(labels), n)]


def _ethnicity(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return labels and the true group of each (0 gm, 1 white, 2 unknown)."""
    group = rng.choice(3, size=n, p=[0.24, 0.68, 0.08])
    labels = np.empty(n, dtype=object)
    for code, pool in enumerate((GM_LABELS, WHITE_LABELS, UNKNOWN_LABELS)):
        where = group == code
        labels[where] = _pick(rng, pool, int(where.sum()))
    return labels, group


def _yes_no(rng: np.random.Generator, yes: np.ndarray) -> np.ndarray:
    cells = np.empty(len(yes), dtype=object)
    cells[yes] = _pick(rng, YES_SPELLINGS, int(yes.sum()))
    cells[~yes] = _pick(rng, NO_SPELLINGS, int((~yes).sum()))
    return cells


def _areas(rng: np.random.Generator, n: int) -> np.ndarray:
    area = rng.choice(2, size=n, p=[0.62, 0.38])
    cells = np.empty(n, dtype=object)
    for code, spellings in AREA_SPELLINGS.items():
        where = area == code
        cells[where] = _pick(rng, spellings, int(where.sum()))
    return cells


def _chance(rng: np.random.Generator, group: np.ndarray, gm: float, white: float) -> np.ndarray:
    p = np.where(group == 0, gm, white)
    return rng.random(len(group)) < p


def staff_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """Return a staff extract of n people."""
    rng = np.random.default_rng(seed)
    labels, group = _ethnicity(rng, n)
    band = np.where(_chance(rng, group, 0.02, 0.035), 2, rng.choice(2, size=n, p=[0.6, 0.4]))
    senior = (band == 2) & (rng.random(n) < 0.7)
    regulated = rng.random(n) < 0.3
    return pd.DataFrame({
        "staff_id": [f"S{i:07d}" for i in range(1, n + 1)],
        "ethnicity": labels,
        "service_area": _areas(rng, n),
        "pay_band": np.asarray(BANDS, dtype=object)[band],
        "senior_manager": _yes_no(rng, senior),
        "regulated_professional": _yes_no(rng, regulated),
        "formal_disciplinary": _yes_no(rng, _chance(rng, group, 0.019, 0.014)),
        "ftp_referral": _yes_no(rng, regulated & _chance(rng, group, 0.013, 0.012)),
        "funded_cpd": _yes_no(rng, _chance(rng, group, 0.2, 0.2)),
        "left_in_period": _yes_no(rng, _chance(rng, group, 0.12, 0.10)),
    })


def recruitment_frame(n: int, seed: int = 2) -> pd.DataFrame:
    """Return a recruitment extract of n shortlisted applicants."""
    rng = np.random.default_rng(seed)
    labels, group = _ethnicity(rng, n)
    return pd.DataFrame({
        "ethnicity": labels,
        "service_area": _areas(rng, n),
        "appointed": _yes_no(rng, _chance(rng, group, 0.15, 0.29)),
    })


def survey_frame(n: int, seed: int = 3) -> pd.DataFrame:
    """Return a survey extract of n respondents; some questions left unanswered."""
    rng = np.random.default_rng(seed)
    labels, group = _ethnicity(rng, n)
    frame = {"ethnicity": labels, "service_area": _areas(rng, n)}
    for column, gm, white in (("hba_public", 0.3, 0.25), ("hba_colleagues", 0.2, 0.15),
                              ("hba_managers", 0.12, 0.065)):
        answers = _yes_no(rng, _chance(rng, group, gm, white))
        answers[answers == ""] = "no"  # a blank survey answer means "not answered"
        answers[rng.random(n) < 0.05] = ""
        frame[column] = answers
    return pd.DataFrame(frame)


def write_extracts(out: Path, staff: int, recruitment: int, survey: int) -> dict[str, Path]:
    """Write the three extracts as CSV files under out; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "staff": out / f"staff-{staff}.csv",
        "recruitment": out / f"recruitment-{recruitment}.csv",
        "survey": out / f"survey-{survey}.csv",
    }
    makers = {"staff": (staff_frame, staff), "recruitment": (recruitment_frame, recruitment),
              "survey": (survey_frame, survey)}
    for kind, path in paths.items():
        if not path.exists():
            make, n = makers[kind]
            make(n).to_csv(path, index=False)
    return paths


def write_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as a one-sheet XLSX of text cells, streamed (a million rows in seconds)."""
    from xml.sax.saxutils import escape

    from bench.hostile import xlsx_with_rows

    letters = [chr(65 + i) for i in range(len(frame.columns))]

    def row(number: int, cells) -> str:
        return f'<row r="{number}">' + "".join(
            f'<c r="{c}{number}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}'
            f'</t></is></c>' for c, v in zip(letters, cells, strict=True) if v != "") + "</row>"

    rows = (row(n, cells) for n, cells in enumerate(
        [list(frame.columns), *frame.itertuples(index=False)], start=1))
    path.write_bytes(xlsx_with_rows(rows, header=False))
    return path


def write_xlsx_extracts(paths: dict[str, Path]) -> dict[str, Path]:
    """Write an XLSX copy of each CSV extract beside it (once); return their paths."""
    out = {}
    for kind, path in paths.items():
        target = path.with_suffix(".xlsx")
        if not target.exists():
            write_xlsx(pd.read_csv(path, dtype=str, keep_default_na=False), target)
        out[kind] = target
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--recruitment", type=int, default=20_000)
    parser.add_argument("--survey", type=int, default=30_000)
    args = parser.parse_args()
    for path in write_extracts(args.out, args.staff, args.recruitment, args.survey).values():
        print(path)


if __name__ == "__main__":
    main()
