"""Consent per purpose in the widget (docs/privacy.md, "Consent"), in Chromium: a site that asks
for three purposes shows three checkboxes in the Privacy tab, each labelled in the visitor's
language; the visitor withdraws one of them with the keyboard and only that one is recorded as
withdrawn, with the consent text's version. axe finds nothing."""

from __future__ import annotations

from typing import Any

from test_widget_consent_browser import (
    Served,
    agree_and_chat,
    consent_site,
    press_until,
    served_app,
)
from widget_helpers import axe_violations

__all__ = ["served_app"]  # the fixture, used by name

ASKED = ["analytics", "marketing_email", "personalisation"]
LABELS = {
    "analytics": "Analytics shared with third parties",
    "marketing_email": "News and offers by e-mail",
    "personalisation": "Personalised answers from my details and preferences",
}


def test_a_visitor_withdraws_one_purpose_of_three_with_the_keyboard(
    chinwag_app: Any, served_app: Served, host_page: Any, page: Any
) -> None:
    from chinwag.consent import has_consent, history

    site, host = consent_site(chinwag_app, served_app, host_page, "2026-12", consent_purposes=ASKED)

    frame, composer, visitor_id = agree_and_chat(chinwag_app, page, host, site["id"], "Hello")

    # the Privacy tab, by the keyboard
    frame.get_by_role("button", name="Privacy").wait_for()
    composer.focus()
    press_until(page, frame, "Shift+Tab", "textContent", "Privacy")
    page.keyboard.press("Enter")
    for label in LABELS.values():
        frame.get_by_label(label, exact=True).wait_for()
    frame.wait_for_function(
        "() => [...document.querySelectorAll('input[name^=cw-consent-]')].every(b => b.checked)"
    )
    names = frame.evaluate(
        "() => [...document.querySelectorAll('input[name^=cw-consent-]')].map(b => b.name)"
    )
    assert names == [f"cw-consent-{p}" for p in ASKED]
    assert axe_violations(page) == []

    # Tab to the marketing checkbox, Space unticks it, Tab on to Save, Enter
    press_until(page, frame, "Tab", "name", "cw-consent-marketing_email", tries=8)
    page.keyboard.press("Space")
    assert not frame.get_by_label(LABELS["marketing_email"], exact=True).is_checked()
    press_until(page, frame, "Tab", "textContent", "Save", tries=4)
    page.keyboard.press("Enter")
    frame.get_by_role("status").filter(has_text="Saved.").wait_for()

    with chinwag_app.app_context():
        records = history(visitor_id)
        held = {p: has_consent(visitor_id, p) for p in ASKED}
    # the first form granted the three; Save recorded what the visitor sent, marketing withdrawn
    assert [(r["purpose"], r["granted"]) for r in records[:3]] == [(p, True) for p in ASKED]
    assert ("marketing_email", False) in [(r["purpose"], r["granted"]) for r in records[3:]]
    assert all(r["version"] == "2026-12" for r in records)
    assert held == {"analytics": True, "marketing_email": False, "personalisation": True}
    assert axe_violations(page) == []
