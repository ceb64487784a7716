"""Office hours and holidays of a site, in the site's time zone (``zoneinfo``).

Office hours tell the bot when people are back; whether a person can answer now is office
hours and agents' presence together (``ctx.agents_online``, in the bot; docs/answerbot.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
#: how far ahead "when are people back" looks (a site closed for longer says "as soon as they can")
LOOKAHEAD_DAYS = 31


def parse_ranges(spec: str) -> list[tuple[time, time]]:
    """``"09:00-12:00,13:00-17:30"`` -> [(09:00, 12:00), (13:00, 17:30)]; ``""`` is closed.

    Raises ``ValueError`` with a sentence an admin can act on."""
    out: list[tuple[time, time]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        m = _RANGE.match(part)
        if not m:
            raise ValueError(f"{part!r} is not a range like 09:00-17:00.")
        start = time(int(m[1]), int(m[2]))
        end = time(23, 59, 59) if m[3] == "24" else time(int(m[3]), int(m[4]))
        if end <= start:
            raise ValueError(f"{part!r} ends before it starts.")
        out.append((start, end))
    return sorted(out)


def check_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"{name!r} is not a time zone (e.g. Europe/Paris).") from err


@dataclass(frozen=True)
class OfficeHours:
    """When a site's people answer: weekly ranges, minus holidays, in ``zone``."""

    zone: ZoneInfo
    week: Mapping[str, Sequence[tuple[time, time]]]
    holidays: frozenset[date]

    @classmethod
    def from_settings(
        cls, timezone: str, hours: Mapping[str, str], holidays: Sequence[str]
    ) -> OfficeHours:
        return cls(
            check_zone(timezone),
            {day: parse_ranges(hours.get(day, "")) for day in DAYS},
            frozenset(date.fromisoformat(d) for d in holidays),
        )

    def _ranges(self, day: date) -> Sequence[tuple[time, time]]:
        if day in self.holidays:
            return ()
        return self.week.get(DAYS[day.weekday()], ())

    def is_open(self, when: datetime) -> bool:
        """Whether people answer at ``when`` (an aware datetime, any zone)."""
        local = when.astimezone(self.zone)
        t = local.time().replace(tzinfo=None)
        return any(start <= t < end for start, end in self._ranges(local.date()))

    def next_open(self, when: datetime) -> datetime | None:
        """The next moment people answer after ``when`` (local to the site), or None when the
        site has no opening within :data:`LOOKAHEAD_DAYS`."""
        local = when.astimezone(self.zone)
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            for start, _end in self._ranges(day):
                # fold=0: a start inside a DST gap resolves forwards, the usual wall-clock meaning
                candidate = datetime.combine(day, start, tzinfo=self.zone)
                if candidate > local:
                    return candidate
        return None

    def back_sentence(self, when: datetime) -> str:
        """ "Our team is back on Monday at 09:00 (Europe/Paris)." for the visitor."""
        nxt = self.next_open(when)
        if nxt is None:
            return "Our team is away at the moment and will get back to you as soon as they can."
        local = when.astimezone(self.zone)
        if nxt.date() == local.date():
            day = "today"
        elif nxt.date() == local.date() + timedelta(days=1):
            day = "tomorrow"
        else:
            day = f"on {DAY_NAMES[nxt.weekday()]} {nxt.day} {nxt.strftime('%B')}"
        return f"Our team is away right now; they are back {day} at {nxt:%H:%M} ({self.zone.key})."
