"""In Chromium on a live server: the host page's ``Chinwag('setLocale', 'fr')`` switches the
feedback thumbs under an answer already shown to French at once (no new session), and the
admin's audit page shows a plugin's own entry (``ctx.audit``) with the plugin's name, its action
said in words and a secret detail masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from test_feedback_browser import PLUGIN, _toggle, _token, ask_the_bot

from chinwag.testing import LiveServer, sign_in_admin

pytestmark = pytest.mark.browser

# the test bot of test_feedback_browser, auditing each answer (a secret-named detail included)
BOT = """
from chinwag_plugin_api import PluginInfo, Reply, Responder

INFO = PluginInfo(display_name="Locale test bot", enabled_by_default=True)


class AnswerBot(Responder):
    def respond(self, ctx, conversation, message):
        ctx.audit("answer.sent", "conversation", conversation.id,
                  {"words": 5, "api_token": "tok-123456"})
        ctx.db_session.commit()
        return Reply(text="Your parcel is at the depot.")
"""


@pytest.fixture
def server(live_server: Callable[..., LiveServer], tmp_path: Path) -> LiveServer:
    root = tmp_path / "path"
    root.mkdir()
    (root / "feedback_localebot.py").write_text(BOT)
    info = root / "chinwag_feedback_localebot-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: chinwag-feedback-localebot\nVersion: 0.0.0\n"
        "Requires-Dist: chinwag-plugin-api>=1.7,<2\n"
    )
    (info / "entry_points.txt").write_text(
        "[chinwag.plugins]\nfblocalebot = feedback_localebot:INFO\n\n"
        "[chinwag.responders]\nfblocalebot = feedback_localebot:AnswerBot\n"
    )
    return live_server(PYTHONPATH=str(root))


def test_set_locale_switches_the_thumbs_at_once_and_the_audit_names_the_plugin(
    page: Any, server: Any
) -> None:
    token = _token(server)
    _toggle(server, token, True)
    url = server.url
    visitor, _frame, answer = ask_the_bot(page, url)  # English thumbs under the answer
    thumbs = answer.get_by_role("form", name="Was this answer helpful?")
    assert thumbs.get_by_role("button", name="Not helpful").count() == 1

    visitor.evaluate("() => Chinwag('setLocale', 'fr')")
    french = answer.get_by_role("form", name="Cette réponse vous a-t-elle aidé ?")
    french.get_by_role("button", name="Pas utile").wait_for(timeout=15_000)
    assert thumbs.count() == 0
    # the audit page: the bot's entry, found with the keyboard
    sign_in_admin(page, url, path="/admin/audit")
    search = page.locator("#audit-q")
    search.focus()
    page.keyboard.type("answer.sent")
    page.keyboard.press("Enter")
    row = page.locator('tr[data-action="chinwag-feedback-localebot.answer.sent"]').first
    row.wait_for()
    cells = row.locator("td")
    assert cells.nth(1).inner_text() == "Plugin Locale test bot"
    assert cells.nth(2).inner_text().splitlines() == [
        "Locale test bot: answer sent",
        "chinwag-feedback-localebot.answer.sent",
    ]
    details = cells.nth(4).inner_text()
    assert "********" in details and "tok-123456" not in details
    res = requests.get(
        f"{url}/api/v1/audit",
        params={"plugin": "chinwag-feedback-localebot"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200 and len(res.json()["entries"]) >= 1
    assert PLUGIN not in {e["plugin"] for e in res.json()["entries"]}
