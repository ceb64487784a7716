"""The widget's first form with several consent purposes (docs/privacy.md, "Consent"), in
Chromium, keyboard only: one checkbox per purpose the site asks for, each named by its label in
the visitor's language and described by the consent text, the required one marked (beside its
label, and first in its description); leaving it unticked is an error tied to that box; the server records
exactly the purposes ticked. axe finds nothing."""

from __future__ import annotations

from typing import Any

from test_widget_consent_browser import Served, consent_site, press_until, served_app
from widget_helpers import ax_find, ax_focused, ax_tree, axe_violations, open_with_keyboard

__all__ = ["served_app"]  # the fixture, used by name

FRAME = "/widget/frame/"
ASKED = ["analytics", "marketing_email", "personalisation"]
LABELS = {
    "analytics": "Analytics shared with third parties",
    "marketing_email": "News and offers by e-mail",
    "personalisation": "Personalised answers from my details and preferences",
}
TEXT = "We share usage statistics with our analytics provider."


def test_a_visitor_ticks_two_purposes_of_three_with_the_keyboard(
    chinwag_app: Any, served_app: Served, host_page: Any, page: Any
) -> None:
    from chinwag.consent import has_consent, history
    from chinwag.extensions import db
    from chinwag.models import Visitor

    site, host = consent_site(
        chinwag_app,
        served_app,
        host_page,
        "2026-12",
        consent_purposes=ASKED,
        consent_optional_purposes=["marketing_email", "personalisation"],
    )

    page.goto(host.origin)
    frame = open_with_keyboard(page, None)
    # no name/e-mail fields: the first purpose's box is the first field, and has focus
    frame.wait_for_function(
        "() => document.activeElement.id === 'cw-purpose-analytics'", polling=100
    )
    nodes = ax_tree(page, FRAME)
    assert ax_find(nodes, "group", "I agree to:")
    boxes = {n["name"]: n for n in ax_find(nodes, "checkbox")}
    assert set(boxes) == set(LABELS.values())  # named by the label alone, no "I agree"
    # the required one is marked beside its label, and says so in its description
    assert boxes[LABELS["analytics"]]["description"] == "(required) " + TEXT
    for purpose in ("marketing_email", "personalisation"):
        assert boxes[LABELS[purpose]]["description"] == TEXT, purpose
    assert all(b["props"].get("invalid") in (None, "false") for b in boxes.values())
    assert frame.locator(".cw-purposes div").all_inner_texts() == [
        LABELS["analytics"] + " (required)",
        LABELS["marketing_email"],
        LABELS["personalisation"],
    ]
    assert axe_violations(page) == []

    # nothing ticked, Enter on Start chat: the required box is invalid, says why, has focus
    press_until(page, frame, "Tab", "textContent", "Start chat", tries=6)
    page.keyboard.press("Enter")
    frame.wait_for_function(
        "() => document.activeElement.id === 'cw-purpose-analytics'", polling=100
    )
    focused = ax_focused(page, FRAME)
    assert focused and focused["name"] == LABELS["analytics"]
    assert focused["props"].get("invalid") == "true"
    assert focused["description"] == "(required) " + TEXT + " Please agree to continue."
    others = {n["name"]: n for n in ax_find(ax_tree(page, FRAME), "checkbox")}
    assert others[LABELS["personalisation"]]["props"].get("invalid") in (None, "false")
    assert axe_violations(page) == []
    with chinwag_app.app_context():
        assert not db.session.execute(
            db.select(Visitor.id).where(Visitor.site_id == site["id"])
        ).first()

    # Space ticks analytics; Tab past marketing to personalisation, Space; Tab to Start, Enter
    page.keyboard.press("Space")
    press_until(page, frame, "Tab", "id", "cw-purpose-personalisation", tries=4)
    page.keyboard.press("Space")
    press_until(page, frame, "Tab", "textContent", "Start chat", tries=4)
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'", polling=100)

    with chinwag_app.app_context():
        visitor_id = db.session.execute(
            db.select(Visitor.id).where(Visitor.site_id == site["id"])
        ).scalar_one()
        records = [(r["purpose"], r["granted"], r["version"]) for r in history(visitor_id)]
        held = {p: has_consent(visitor_id, p) for p in ASKED}
    assert records == [
        ("analytics", True, "2026-12"),
        ("marketing_email", False, "2026-12"),
        ("personalisation", True, "2026-12"),
    ]
    assert held == {"analytics": True, "marketing_email": False, "personalisation": True}
    assert axe_violations(page) == []


def test_the_designers_preview_shows_the_purposes_boxes(
    chinwag_app: Any, served_app: Served, host_page: Any, page: Any
) -> None:
    """The live preview (``/chat/<key>?preview=1``) has no session, but the consent place: the
    first form shows the site's boxes as visitors get them, and nothing is stored."""
    from chinwag.extensions import db
    from chinwag.models import Visitor

    site, _ = consent_site(chinwag_app, served_app, host_page, "2026-12", consent_purposes=ASKED)
    page.goto(f"{served_app.url}/chat/{site['site_key']}?preview=1")
    for label in LABELS.values():
        page.get_by_role("checkbox", name=label, exact=True).wait_for()
    assert page.get_by_role("button", name="Privacy").count() == 0  # the form, not the chat
    page.get_by_role("button", name="Start chat").click()
    page.wait_for_timeout(500)
    with chinwag_app.app_context():
        assert not db.session.execute(
            db.select(Visitor.id).where(Visitor.site_id == site["id"])
        ).first()
    assert axe_violations(page) == []
