"""Formatters used by templates (registered as Jinja filters): UK dates, London times, figures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def uk_date(value: date | datetime | str | None) -> str:
    """Format a date the UK way: 23 November 2026 (also an ISO date kept in a snapshot)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date() if value.tzinfo else value.date()
    return f"{value.day} {value:%B %Y}"


def london_time(value: datetime | None) -> str:
    """Format a UTC time as shown in Europe/London: 23 November 2026 at 2:05pm."""
    if value is None:
        return ""
    if value.tzinfo is None:
        raise ValueError("naive datetime: times are stored in UTC and must carry their zone")
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{uk_date(local.date())} at {hour}:{local.minute:02d}{suffix}"


def round_half_up(value: float, places: int, *, scale: int = 0) -> Decimal:
    """Round as people do by hand (0.1465 -> 14.7%), from the shortest decimal of the float."""
    exact = Decimal(repr(value)).scaleb(scale)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def relative_likelihood(value: float | None) -> str:
    """Show a relative likelihood to 2 decimal places."""
    return "" if value is None else str(round_half_up(value, 2))


def percentage(fraction: float | None, places: int = 1) -> str:
    """Show a fraction (0.1465) as a percentage to 1 decimal place (14.7%)."""
    return "" if fraction is None else f"{round_half_up(fraction, places, scale=2)}%"


def likelihood_phrase(value: float | None) -> str:
    """Say an RL in words: 1.4 -> '40% more likely', 0.5 -> '50% less likely'."""
    if value is None:
        return ""
    change = round((value - 1) * 100)
    if change == 0:
        return "equally likely"
    return f"{abs(change)}% {'more' if change > 0 else 'less'} likely"


RATING_WORDS = {
    "within": ("Within range", "govuk-tag--green"),
    "adverse": ("Adverse", "govuk-tag--red"),
    "reverse": ("Reverse: check recording", "govuk-tag--blue"),
}


def rating_label(rating: str | None) -> str:
    """Name a four-fifths rating in words (never colour alone)."""
    return RATING_WORDS[rating][0] if rating in RATING_WORDS else "Not rated"


def rating_tag_class(rating: str | None) -> str:
    """Return the GOV.UK tag colour class that goes with a rating's words."""
    return RATING_WORDS[rating][1] if rating in RATING_WORDS else "govuk-tag--grey"


def percentage_points(value: float | None) -> str:
    """Show a gap in percentage points to 1 decimal place, with its sign: -3.2 pp."""
    if value is None:
        return ""
    rounded = round_half_up(value, 1)
    sign = "+" if rounded > 0 else ""
    return f"{sign}{rounded} pp".replace("-", "−")


def and_list(items: list[str]) -> str:
    """Join names as a sentence does: "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
