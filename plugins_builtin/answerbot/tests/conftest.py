"""Fixtures of the answer bot's tests: a knowledge base to answer from.

The bot reads articles only through chinwag-kb's search API. Where chinwag-kb is not installed
yet, ``kb`` installs a stand-in module with that one function (word-overlap scoring over the
articles a test adds), so the bot's behaviour is tested either way."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from chinwag.testing import configure_plugin, enable_plugin

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str
    url: str
    summary: str
    passage: str
    score: float


@dataclass
class StandInKB:
    """Articles per site; ``search`` scores by the share of the query's words an article has."""

    articles: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)

    def add(self, site_id: int, title: str, body: str, summary: str = "") -> dict[str, Any]:
        rows = self.articles.setdefault(site_id, [])
        article = {
            "id": len(rows) + 1,
            "title": title,
            "body": body,
            "summary": summary or body.split(".")[0],
            "url": f"/kb/{site_id}/{len(rows) + 1}",
        }
        rows.append(article)
        return article

    def search(
        self, ctx: Any, site_id: int, query: str, *, locale: str | None = None, limit: int = 5
    ) -> list[Hit]:
        self.queries.append(query)
        words = set(_WORD.findall(query.lower())) - {"my", "i", "the", "a", "to", "how", "do"}
        hits = []
        for a in self.articles.get(site_id, []):
            have = set(_WORD.findall(f"{a['title']} {a['body']}".lower()))
            score = len(words & have) / len(words) if words else 0.0
            if score > 0:
                hits.append(Hit(a["id"], a["title"], a["url"], a["summary"], a["body"], score))
        return sorted(hits, key=lambda h: -h.score)[:limit]


@pytest.fixture
def kb(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInKB]:
    if importlib.util.find_spec("chinwag_kb") is not None:
        pytest.skip("chinwag-kb is installed: these tests are to be moved onto its real articles")
    stand_in = StandInKB()
    module = types.ModuleType("chinwag_kb")
    module.search = stand_in.search  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "chinwag_kb", module)
    yield stand_in


ALWAYS_OPEN = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NEVER_OPEN: dict[str, str] = {}


@pytest.fixture
def bot(chinwag_app: Any, kb: StandInKB, demo_site: dict[str, Any]) -> Any:
    """The installed answer bot, enabled, always within office hours, with two articles."""
    enable_plugin(chinwag_app, "chinwag-answerbot")
    configure_plugin(chinwag_app, "chinwag-answerbot", hours=ALWAYS_OPEN)
    kb.add(
        demo_site["id"],
        "Reset your password",
        "To reset your password, open Settings, choose Security and click Reset password. "
        "We email you a link that works for one hour.",
    )
    kb.add(
        demo_site["id"],
        "Change your email address",
        "Open Settings, choose Profile and type the new email address; we confirm it by email.",
    )
    return kb
