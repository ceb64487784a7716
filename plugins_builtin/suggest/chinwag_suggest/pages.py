"""Per-page suggestion chips: which of the admin's page rules apply to a site and a page.

A rule's ``url`` is a path prefix (``match: "prefix"``: ``/docs`` covers ``/docs`` and
``/docs/install``) or a glob (``match: "glob"``, the default: ``*`` matches anything, as the
site's ``show_on``); a pattern containing ``://`` is matched against the whole URL, any other
against the page's path. ``sites`` limits a rule to some sites (empty: every site). The widget
evaluates the same patterns (compiled by the core) on the page the chat is opened on; this
module answers the same question on the server, from the page the widget last reported
(``VisitorRef.page_url``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

#: every question of every matching page rule (50 rules of 6) may be a page's chip
PAGE_CHIPS = 300


def pattern(rule: Mapping[str, Any]) -> str:
    """The rule's URL as a ``*`` glob (a prefix gains a trailing ``*``)."""
    url = str(rule["url"])
    if rule.get("match", "glob") == "prefix" and not url.endswith("*"):
        return url + "*"
    return url


def rule_id(rule: Mapping[str, Any]) -> str:
    """A page rule's stable id in the widget (its match and URL)."""
    key = f"{rule.get('match', 'glob')}:{rule['url']}"
    return "suggest-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def for_site(rules: Iterable[Mapping[str, Any]], site_id: int) -> list[Mapping[str, Any]]:
    return [r for r in rules if not r.get("sites") or site_id in r["sites"]]


def matches(rule: Mapping[str, Any], page_url: str) -> bool:
    glob = pattern(rule)
    target = page_url
    if "://" not in glob:
        parts = urlsplit(page_url)
        target = parts.path or "/"
    regex = ".*".join(re.escape(s) for s in glob.split("*"))
    return re.fullmatch(regex, target) is not None


def chips_for(
    rules: Iterable[Mapping[str, Any]], site_id: int, page_url: str | None, limit: int
) -> list[str]:
    """The questions offered on ``page_url`` of ``site_id``, rule order, no repeats."""
    if not page_url:
        return []
    out: list[str] = []
    for rule in for_site(rules, site_id):
        if matches(rule, page_url):
            out += [q for q in rule["questions"] if q not in out]
    return out[:limit]
