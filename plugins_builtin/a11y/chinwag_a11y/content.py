"""Wording checks of what visitors read: link text, ALL-CAPS, emoji-only text, reading level.

Used by the theme check (the greeting and the other texts a site owner writes in the designer)
and by the outbound processor (what agents send). Each problem is a :class:`TextIssue`; none of
them is a WCAG failure by itself, so the callers report them as advice or warnings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

#: link texts that say nothing out of context (WCAG 2.4.4 Link Purpose), lower-cased, per language
VAGUE_LINKS = frozenset(
    {
        "click here",
        "here",
        "click",
        "this",
        "this link",
        "link",
        "more",
        "read more",
        "learn more",
        "click this",
        "go",
        "ici",
        "cliquez ici",
        "en savoir plus",
        "hier",
        "klicken sie hier",
        "mehr",
        "aquí",
        "haga clic aquí",
        "más",
        "qui",
        "clicca qui",
        "هنا",
        "اضغط هنا",
    }
)

MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]\n]{0,300})\]\(([^)\s]{1,2000})\)")
MARKDOWN_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\(([^)\s]{1,2000})\)")
BARE_URL = re.compile(r"(?<![(\[<])\bhttps?://[^\s)>\]]+")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class TextIssue:
    """One wording problem: a code, the WCAG criterion it relates to (or ``""``), a message."""

    code: str
    criterion: str
    message: str


def _is_emoji_or_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in {"So", "Sk", "Mn", "Cf"} or ch in "\ufe0f\u200d"


def emoji_only(text: str) -> bool:
    """True for text made only of emoji and symbols (screen readers read their names, or nothing)."""
    stripped = "".join(ch for ch in text if not ch.isspace())
    return bool(stripped) and all(_is_emoji_or_symbol(ch) for ch in stripped)


def all_caps(text: str) -> bool:
    """True for text mostly in capitals, three words or more (harder to read; some screen
    readers spell capitals out letter by letter). Link addresses are left out."""
    prose = MARKDOWN_IMAGE.sub(lambda m: m.group(1), text)
    prose = BARE_URL.sub("", MARKDOWN_LINK.sub(lambda m: m.group(1), prose))
    cased = [w for w in WORD.findall(prose) if len(w) > 1 and w.lower() != w.upper()]
    upper = [w for w in cased if w.isupper()]
    return len(upper) >= 3 and len(upper) * 3 >= len(cased) * 2


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0)
    return max(1, count)


def reading_ease(text: str) -> float | None:
    """Flesch reading ease of English text (0 hard to 100 easy); None under 20 words, where it
    means nothing. Cheap and only for English: other locales get no reading-level advice."""
    words = WORD.findall(text)
    if len(words) < 20:
        return None
    sentences = max(1, len(re.findall(r"[.!?]+(\s|$)", text)))
    syllables = sum(_syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllables / len(words))


def link_issues(text: str) -> list[TextIssue]:
    """Links whose text says nothing ("click here") or is the address itself."""
    issues = []
    for label, url in MARKDOWN_LINK.findall(text):
        shown = label.strip().lower().rstrip(".!")
        if shown in VAGUE_LINKS:
            issues.append(
                TextIssue(
                    "vague_link",
                    "2.4.4",
                    f'The link text "{label.strip()}" does not say where it goes; '
                    "name the destination instead.",
                )
            )
        elif shown.rstrip("/") == url.lower().rstrip("/") or shown.startswith(
            ("http://", "https://")
        ):
            issues.append(
                TextIssue(
                    "url_as_link_text",
                    "2.4.4",
                    f"The link text is the address {label.strip()}: screen readers read it "
                    "character by character; give the link a name.",
                )
            )
    without_links = MARKDOWN_LINK.sub("", text)
    for url in BARE_URL.findall(without_links):
        issues.append(
            TextIssue(
                "url_as_link_text",
                "2.4.4",
                f"The address {url} is shown as its own link text: write [what it is]({url}).",
            )
        )
    return issues


def text_issues(text: str, locale: str = "en") -> list[TextIssue]:
    """Every wording problem of one text."""
    text = text.strip()
    if not text:
        return []
    issues = link_issues(text)
    if all_caps(text):
        issues.append(
            TextIssue(
                "all_caps",
                "",
                "Text in capitals is harder to read and some screen readers spell it out; "
                "use sentence case.",
            )
        )
    if emoji_only(text):
        issues.append(
            TextIssue(
                "emoji_only",
                "1.1.1",
                "Emoji alone are read as their names (or not at all): add words.",
            )
        )
    if locale.split("-")[0].lower() == "en":
        ease = reading_ease(text)
        if ease is not None and ease < 50:
            issues.append(
                TextIssue(
                    "reading_level",
                    "3.1.5",
                    f"Reading ease {ease:.0f} (Flesch; 60 or more is plain English): "
                    "use shorter sentences and words.",
                )
            )
    return issues


HEADING = re.compile(r"^(#{1,6})\s+\S", re.MULTILINE)


def markdown_issues(text: str) -> list[TextIssue]:
    """What a knowledge-base article or a bot answer quoting one may get wrong in its Markdown:
    images without a description (1.1.1) and heading levels skipped (1.3.1, ``#`` then ``###``)."""
    issues = [
        TextIssue(
            "missing_alt",
            "1.1.1",
            f"The image {url} has no description: write ![what it shows]({url}).",
        )
        for alt, url in MARKDOWN_IMAGE.findall(text)
        if not alt.strip()
    ]
    previous = 0
    for marks in HEADING.findall(text):
        level = len(marks)
        if previous and level > previous + 1:
            issues.append(
                TextIssue(
                    "heading_skipped",
                    "1.3.1",
                    f"A level-{level} heading follows a level-{previous} one: screen-reader "
                    f"users navigate by headings and miss a level; use level {previous + 1}.",
                )
            )
        previous = level
    return issues


def block_prose(block: dict[str, Any]) -> list[str]:
    """The prose visitors read in a message block: a card's title and text, a rating's prompt."""
    return [str(block.get(k) or "") for k in ("title", "text", "prompt") if block.get(k)]


def block_labels(block: dict[str, Any]) -> list[str]:
    """The labels of a block's buttons and suggestion chips."""
    labels = [str(b.get("label") or "") for b in block.get("buttons") or []]
    return labels + [str(item) for item in block.get("items") or []]


def label_issues(label: str) -> list[TextIssue]:
    """A button or chip label that says nothing out of context ("Click here", "More")."""
    if label.strip().lower().rstrip(".!") not in VAGUE_LINKS:
        return []
    return [
        TextIssue(
            "vague_link",
            "2.4.4",
            f'The button "{label.strip()}" does not say what it does; name the action instead.',
        )
    ]


def content_issues(text: str, blocks: list[dict[str, Any]], locale: str | None) -> list[TextIssue]:
    """Every problem of a message's content a visitor would meet: the wording of its text and of
    its blocks' texts, its Markdown and its button labels. ``locale`` None: not known (no
    reading-level advice, which is for English only)."""
    issues = [*text_issues(text, locale or ""), *markdown_issues(text)]
    for block in blocks:
        for label in block_labels(block):
            issues += label_issues(label)
        for prose in block_prose(block):
            issues += text_issues(prose, locale or "")
    unique = {(i.code, i.message): i for i in issues}
    return list(unique.values())
