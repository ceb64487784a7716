"""Finding personal data in a message's text: pure functions, no Chinwag, no settings store.

Each detector returns :class:`Found` spans. Checksums (Luhn for cards, mod 97 for IBANs, the
site's choice for national identifiers) are what keep order numbers, tracking numbers and dates
out: a digit run alone is never enough. :func:`find_all` runs the enabled detectors in priority
order and drops a span that overlaps one already taken (a card number is not also a phone).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

#: the categories, in the order their detectors run (earlier wins an overlap)
CATEGORIES = ("card_number", "iban", "national_id", "email", "phone", "ner")

#: what admins may choose as a national identifier's check
CHECKSUMS = ("none", "luhn", "mod11", "verhoeff")


@dataclass(frozen=True)
class Found:
    """One piece of personal data: ``text[start:end]``; ``label`` names it for people (a card
    number, or the site's name of an identifier such as ``SSN``)."""

    category: str
    start: int
    end: int
    label: str


# -- payment cards ---------------------------------------------------------------------------

#: 13 to 19 digits, single spaces or dashes between them, not part of a longer digit run
_CARD = re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_brand(digits: str) -> bool:
    """Whether the number starts like a card of a known network and has one of its lengths
    (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro): numbers starting
    with 0, 1, 7, 8 or 9 are order or tracking numbers, however their Luhn digit falls."""
    n = len(digits)
    first, two, four = digits[0], int(digits[:2]), int(digits[:4])
    if first == "4":
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return 14 <= n <= 19
    if 3528 <= four <= 3589:
        return 16 <= n <= 19
    return first in "56" and n >= 13  # Discover, UnionPay, Maestro


def cards(text: str) -> Iterator[Found]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if _card_brand(digits) and luhn_ok(digits):
            yield Found("card_number", m.start(), m.end(), "card number")


# -- IBANs -----------------------------------------------------------------------------------

#: IBAN length per country (the SWIFT registry)
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})\d\d")


def iban_ok(compact: str) -> bool:
    """The ISO 13616 check: country and check digits moved to the end, letters as numbers,
    the whole mod 97 is 1."""
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def ibans(text: str) -> Iterator[Found]:
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1).upper())
        if length is None:
            continue
        # collect exactly ``length`` letters and digits, single spaces allowed between them
        chars: list[str] = []
        i = m.start()
        while i < len(text) and len(chars) < length:
            ch = text[i]
            if ch.isascii() and ch.isalnum():
                chars.append(ch.upper())
            elif not (ch == " " and chars and i + 1 < len(text) and text[i + 1] != " "):
                break
            i += 1
        ends_cleanly = i >= len(text) or not (text[i].isascii() and text[i].isalnum())
        compact = "".join(chars)
        if len(chars) == length and ends_cleanly and compact[4:].isalnum() and iban_ok(compact):
            yield Found("iban", m.start(), i, "IBAN")


# -- national identifiers --------------------------------------------------------------------


def mod11_ok(digits: str) -> bool:
    """The NHS-number style check: weights n..2 over all but the last digit; 11 minus the sum
    mod 11 (11 reads as 0, 10 is never valid) is the last digit."""
    if len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * w for d, w in zip(body, range(len(body) + 1, 1, -1), strict=True))
    expected = 11 - total % 11
    return expected != 10 and expected % 11 == check


_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]  # fmt: skip
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]  # fmt: skip


def verhoeff_ok(digits: str) -> bool:
    """The Verhoeff check (India's Aadhaar, among others)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return bool(digits) and c == 0


_CHECKS: dict[str, Callable[[str], bool]] = {
    "none": lambda _digits: True,
    "luhn": lambda d: bool(d) and luhn_ok(d),
    "mod11": mod11_ok,
    "verhoeff": verhoeff_ok,
}


@dataclass(frozen=True)
class NationalId:
    """A site's identifier: ``name`` shown to people, ``pattern`` what it looks like, and the
    check its digits must pass (``checksum``, one of :data:`CHECKSUMS`)."""

    name: str
    pattern: str
    checksum: str = "none"


def _repeats(node: Any, inside_unbounded: bool = False) -> bool:
    """Whether a parsed pattern repeats a repetition without bound (``(a+)+``, ``(\\d*-?)*``):
    the shape whose backtracking takes exponential time on a near-miss."""
    from re import _constants as sre  # type: ignore[attr-defined]

    if isinstance(node, tuple) and len(node) == 2 and node[0] in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, body = node[1]
        if inside_unbounded and high != low:  # a fixed count (\d{3}) does not backtrack
            return True
        return _repeats(body, inside_unbounded or high == sre.MAXREPEAT)
    if isinstance(node, (list, tuple)) or hasattr(node, "data"):
        items = node.data if hasattr(node, "data") else node
        return any(_repeats(item, inside_unbounded) for item in items)
    return False


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """An admin's regex, compiled once per process; raises ``ValueError`` with the reason when
    it is not one a redactor can use (invalid, matching the empty string, or with a nested
    unbounded repetition: a regex runs on every message, and a hook that never yields cannot
    be interrupted)."""
    from re import _parser  # type: ignore[attr-defined]

    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"not a valid regular expression: {err}") from None
    if compiled.fullmatch(""):
        raise ValueError("it matches an empty text, so it would match everywhere")
    if _repeats(_parser.parse(pattern)):
        raise ValueError(
            "it repeats a repetition without bound (like (a+)+), which can take seconds on one "
            "message; bound the outer one, e.g. (\\d{3}-){2}"
        )
    return compiled


def national_ids(text: str, ids: Sequence[NationalId]) -> Iterator[Found]:
    for ident in ids:
        check = _CHECKS[ident.checksum]
        for m in compile_pattern(ident.pattern).finditer(text):
            if m.end() > m.start() and check(re.sub(r"\D", "", m.group())):
                yield Found("national_id", m.start(), m.end(), ident.name)


# -- e-mail addresses and phone numbers ------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")


def emails(text: str) -> Iterator[Found]:
    for m in _EMAIL.finditer(text):
        yield Found("email", m.start(), m.end(), "e-mail address")


def phones(text: str, region: str | None) -> Iterator[Found]:
    """Phone numbers valid for their country (``phonenumbers``): with a ``+`` country code
    anywhere, and in national form for ``region`` (an ISO 3166 code, e.g. ``GB``). Strict
    grouping: digits grouped as the country writes them (or not at all), which keeps version
    numbers and order references such as ``ORD-2026-118733`` out (docs/redaction.md)."""
    matcher = phonenumbers.PhoneNumberMatcher(
        text, region or None, leniency=phonenumbers.Leniency.STRICT_GROUPING
    )
    for match in matcher:
        yield Found("phone", match.start, match.end, "phone number")


def phone_regions() -> frozenset[str]:
    return frozenset(phonenumbers.SUPPORTED_REGIONS)


# -- named entities (optional) ---------------------------------------------------------------


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """presidio-analyzer's engine, built once (it loads a spaCy model), or None when it is not
    installed or cannot start."""
    try:
        from presidio_analyzer import AnalyzerEngine  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return AnalyzerEngine()


def ner_available() -> bool:
    try:
        import presidio_analyzer  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def entities(text: str, kinds: Sequence[str], language: str = "en") -> Iterator[Found]:
    """Named entities (``PERSON``, ``LOCATION``, ...) found by presidio, when installed."""
    engine = _analyzer()
    if engine is None or not kinds:
        return
    for r in engine.analyze(text=text, language=language, entities=list(kinds)):
        yield Found("ner", int(r.start), int(r.end), str(r.entity_type).lower())


# -- all together ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What one site redacts (resolved from the plugin's settings by the processor)."""

    cards: bool = True
    ibans: bool = True
    emails: bool = False
    phones: bool = False
    phone_region: str | None = None
    national_ids: tuple[NationalId, ...] = ()
    ner_entities: tuple[str, ...] = ()


def find_all(text: str, policy: Policy) -> list[Found]:
    """Every span to redact, by position, no two overlapping (earlier categories win)."""
    runs: list[Iterator[Found]] = []
    # most messages hold no digits at all: then no card, IBAN or phone number can be there
    digits = any(c.isdigit() for c in text)
    if policy.cards and digits:
        runs.append(cards(text))
    if policy.ibans and digits:
        runs.append(ibans(text))
    if policy.national_ids:
        runs.append(national_ids(text, policy.national_ids))
    if policy.emails:
        runs.append(emails(text))
    if policy.phones and digits:
        runs.append(phones(text, policy.phone_region))
    if policy.ner_entities:
        runs.append(entities(text, policy.ner_entities))
    taken: list[Found] = []
    for run in runs:
        for found in run:
            if all(found.end <= t.start or found.start >= t.end for t in taken):
                taken.append(found)
    return sorted(taken, key=lambda f: f.start)
