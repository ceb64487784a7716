"""Office hours in the site's time zone: ranges, holidays, daylight saving, "back at"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chinwag_answerbot.bot import intent
from chinwag_answerbot.hours import OfficeHours, parse_ranges

WEEKDAYS = {d: "09:00-12:00,13:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}


def paris(holidays: tuple[str, ...] = ()) -> OfficeHours:
    return OfficeHours.from_settings("Europe/Paris", WEEKDAYS, list(holidays))


def test_open_follows_the_sites_clock_not_utc() -> None:
    hours = paris()
    # 08:30 UTC in winter is 09:30 in Paris (open); at lunch it is closed
    assert hours.is_open(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 12, 2, 11, 30, tzinfo=UTC))
    # in summer Paris is UTC+2: 07:30 UTC is 09:30 there
    assert hours.is_open(datetime(2026, 7, 1, 7, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))  # a Saturday


def test_holidays_close_the_day_and_push_back_the_return() -> None:
    hours = paris(("2026-12-25",))
    assert not hours.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))
    friday_evening = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    back = hours.next_open(friday_evening)
    assert back is not None and back.isoformat() == "2026-12-28T09:00:00+01:00"
    assert hours.back_sentence(friday_evening).endswith(
        "back on Monday 28 December at 09:00 (Europe/Paris)."
    )
    lunch = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)
    assert "back today at 13:00" in hours.back_sentence(lunch)


def test_daylight_saving_change_is_kept() -> None:
    hours = paris()
    # Saturday 28 March 2026 evening; clocks go forward on Sunday: back Monday 09:00 CEST
    back = hours.next_open(datetime(2026, 3, 28, 20, 0, tzinfo=UTC))
    assert back is not None and back.utcoffset() is not None
    assert back.isoformat() == "2026-03-30T09:00:00+02:00"


def test_a_site_that_never_opens() -> None:
    hours = OfficeHours.from_settings("UTC", {}, [])
    assert hours.next_open(datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert "as soon as they can" in hours.back_sentence(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("spec", ["9-5", "09:00-25:00", "12:00-11:00", "09:00 to 17:00"])
def test_bad_ranges(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_ranges(spec)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Talk to a person", "person"),
        ("can I speak to a human please", "person"),
        ("No, it didn't help", "no"),
        ("nope", "no"),
        ("Yes, thanks", "yes"),
        ("How do I reset my password?", "question"),
        (
            "No worries, how do I change my email address and also my billing plan today?",
            "question",
        ),
    ],
)
def test_intent(text: str, kind: str) -> None:
    assert intent(text) == kind
