"""The content checks' advice on a plugin's proactive messages, where they are edited.

A plugin's proactive rules (greetings shown when a rule matches, and their chips) are written
in its settings form (Admin → Plugins), not in the designer, so that is where their advice
belongs: saving a plugin's settings answers, under ``proactive_advice``, what the enabled
``chinwag.content_checks`` say about every proactive text the plugin now shows, once per text
(with the sites it shows on). Advice never blocks the save.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chinwag.content_checks import advice_json
from chinwag.extensions import db
from chinwag.models import Site
from chinwag.state import state
from chinwag.widget_features import proactive_texts

#: sites looked at per save (the first ones by id): a bound on the plugin calls of one request
MAX_SITES = 50


def proactive_advice(plugin: str) -> list[dict[str, Any]]:
    """``[{text, rule_id, site_ids, advice}]`` for each proactive text with advice."""
    site_ids = list(
        db.session.execute(select(Site.id).order_by(Site.id).limit(MAX_SITES)).scalars()
    )
    found: dict[str, dict[str, Any]] = {}
    for site_id, rule_id, text in proactive_texts(state().plugins, plugin, site_ids):
        item = found.get(text)
        if item is not None:
            if site_id not in item["site_ids"]:
                item["site_ids"].append(site_id)
            continue
        found[text] = {
            "text": text,
            "rule_id": rule_id,
            "site_ids": [site_id],
            "advice": advice_json(site_id, text),
        }
    return [item for item in found.values() if item["advice"]]
