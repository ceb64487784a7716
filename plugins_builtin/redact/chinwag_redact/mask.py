"""How a found span is written in the stored text: bullets that keep the shape (and a few
characters people need to tell which card or account was meant), never the data itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from chinwag_redact.detect import Found

BULLET = "•"

#: (letters or digits kept at the start, at the end) per category; the rest become bullets
_KEEP = {
    "card_number": (0, 4),  # •••• •••• •••• 4242: which card, as on a receipt
    "iban": (2, 4),  # DE•• •••• •••• •••• ••30 00: the country and the last four
    "phone": (0, 2),
    "national_id": (0, 0),
}


def mask_span(category: str, span: str, label: str) -> str:
    if category == "email":
        domain = span.partition("@")[2]
        return f"{BULLET * 3}@{domain}"  # the provider stays: "which address?" has an answer
    if category == "ner":
        return f"[{label}]"
    first, last = _KEEP.get(category, (0, 0))
    total = sum(ch.isalnum() for ch in span)
    out: list[str] = []
    seen = 0
    for ch in span:
        if ch.isalnum():
            keep = seen < first or seen >= total - last
            out.append(ch if keep else BULLET)
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def apply(text: str, found: Sequence[Found]) -> str:
    """``text`` with every span masked (``found`` sorted, not overlapping, as
    :func:`~chinwag_redact.detect.find_all` returns it)."""
    parts: list[str] = []
    pos = 0
    for f in found:
        parts.append(text[pos : f.start])
        parts.append(mask_span(f.category, text[f.start : f.end], f.label))
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def counts(found: Sequence[Found]) -> dict[str, int]:
    """How many of each label were hidden, for the annotation agents see."""
    return dict(Counter(f.label for f in found))
