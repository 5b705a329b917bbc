"""Reference counts of one council's year, close to the national picture: the tests' factories
and the benchmarks use them (the demo's own figures come from generated extracts:
tracker/demo/extracts.py).

Each row is (indicator, band, gm, white, unknown) where gm/white/unknown are (numerator,
denominator), or for SCW1 the staff in post in the band.
"""

from __future__ import annotations

ADULTS = [
    ("SCW1", "<30k", 180, 820, 40),
    ("SCW1", "30-69k", 210, 690, 30),
    ("SCW1", "70k+", 9, 61, 3),
    ("SCW2", "", (43, 290), (117, 250), (5, 20)),
    ("SCW3", "", (14, 451), (25, 1731), (1, 80)),
    ("SCW4", "", (3, 120), (4, 260), (0, 10)),
    ("SCW5", "", (101, 451), (414, 1731), (15, 80)),
    ("SCW6", "", (38, 150), (95, 480), (3, 25)),
    ("SCW7a", "", (30, 150), (70, 480), (2, 25)),
    ("SCW7b", "", (22, 150), (36, 480), (2, 25)),
    ("SCW8", "", (52, 451), (160, 1731), (7, 80)),
    ("SCW9", "", (6, 399), (38, 1571), (1, 73)),
]

CHILDREN = [
    ("SCW1", "<30k", 60, 240, 15),
    ("SCW1", "30-69k", 90, 310, 12),
    ("SCW1", "70k+", 3, 22, 1),
    ("SCW2", "", (12, 95), (40, 110), (2, 8)),
    ("SCW3", "", (5, 173), (9, 632), (0, 31)),
    ("SCW4", "", (2, 60), (3, 180), (0, 5)),
    ("SCW5", "", (40, 173), (150, 632), (5, 31)),
    ("SCW6", "", (12, 60), (30, 210), (1, 9)),
    ("SCW7a", "", (9, 60), (21, 210), (1, 9)),
    ("SCW7b", "", (7, 60), (12, 210), (0, 9)),
    ("SCW8", "", (20, 173), (60, 632), (3, 31)),
    ("SCW9", "", (2, 153), (14, 572), (0, 28)),
]


def template_rows() -> list[dict]:
    """Return the demo counts as counts-template rows for adults and children."""
    rows = []
    for area, table in (("adults", ADULTS), ("children", CHILDREN)):
        for indicator, band, *groups in table:
            for group, value in zip(("gm", "white", "unknown"), groups, strict=True):
                numerator, denominator = value if isinstance(value, tuple) else (value, None)
                rows.append({"service_area": area, "indicator": indicator, "band": band,
                             "group": group, "numerator": numerator,
                             "denominator": denominator})
    return rows
