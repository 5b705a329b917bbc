"""Template formatters: UK dates, London times, figures."""

from datetime import UTC, date, datetime

import pytest

from tracker.domain.formatting import (
    likelihood_phrase,
    london_time,
    percentage,
    relative_likelihood,
    uk_date,
)


def test_uk_date():
    assert uk_date(date(2026, 11, 23)) == "23 November 2026"
    assert uk_date(date(2026, 4, 1)) == "1 April 2026"
    assert uk_date(None) == ""


def test_uk_date_of_a_utc_time_uses_the_london_day():
    assert uk_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"


@pytest.mark.parametrize("moment, expected", [
    (datetime(2026, 11, 23, 14, 5, tzinfo=UTC), "23 November 2026 at 2:05pm"),   # GMT
    (datetime(2026, 7, 1, 11, 0, tzinfo=UTC), "1 July 2026 at 12:00pm"),         # BST
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "29 March 2026 at 12:30am"),
])
def test_london_time(moment, expected):
    assert london_time(moment) == expected


def test_london_time_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        london_time(datetime(2026, 1, 1, 12, 0))


@pytest.mark.parametrize("value, expected", [(0.3117, "0.31"), (3.2077, "3.21"), (1.0, "1.00"),
                                             (None, "")])
def test_relative_likelihood(value, expected):
    assert relative_likelihood(value) == expected


def test_percentage():
    assert percentage(0.1465) == "14.7%"
    assert percentage(None) == ""


@pytest.mark.parametrize("value, expected", [
    (1.4, "40% more likely"), (0.5, "50% less likely"), (0.52, "48% less likely"),
    (1.0, "equally likely"), (1.004, "equally likely"), (None, ""),
])
def test_likelihood_phrase(value, expected):
    assert likelihood_phrase(value) == expected
