"""Which uploads are checked in the background (tracker.domain.upload_checks)."""

from tracker.domain.upload_checks import in_background


def test_which_uploads_are_large():
    small = {"staff": (b"a,b\n" * 100, "s.csv")}
    assert not in_background(small, most_bytes=10_000, most_rows=100)
    assert in_background(small, most_bytes=399, most_rows=100)
    assert in_background({"staff": (b"a,b\n" * 101, "s.csv")}, most_bytes=10_000,
                         most_rows=100)
    # a workbook's lines say nothing: its size stands for its rows
    assert not in_background({"staff": (b"PK\x03\x04" + b"\n" * 500, "s.xlsx")},
                             most_bytes=10_000, most_rows=100)
