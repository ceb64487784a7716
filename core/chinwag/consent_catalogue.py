"""The purposes a site can ask a visitor's consent for (docs/privacy.md, "Consent"): data, in a
module of its own so the settings schema (``chinwag.schemas``) and the consent rule
(``chinwag.consent``) read the one list without importing each other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Purpose:
    """A use of a visitor's data a site can ask consent for: ``id`` (in records, settings and
    ``ctx.has_consent``), ``label`` (the widget's string key, ``widget_locales``) and what it
    covers, for the docs and the site owner."""

    id: str
    label: str
    covers: str


#: the catalogue, in the order the widget lists them; a site picks among them
#: (``consent_purposes``). Adding one is adding a row here and a string to every widget locale.
CATALOGUE: tuple[Purpose, ...] = (
    Purpose(
        "analytics",
        "consentAnalytics",
        "events of the chat sent to third-party analytics sinks (first-party sinks need none)",
    ),
    Purpose(
        "follow_up_email",
        "consentFollowUpEmail",
        "e-mails about a conversation after it ended: a satisfaction survey, a follow-up",
    ),
    Purpose(
        "marketing_email",
        "consentMarketingEmail",
        "the site's news and offers by e-mail, to the address the visitor gave",
    ),
    Purpose(
        "transcripts",
        "consentTranscripts",
        "copies of the conversation kept outside Chinwag: a CRM or helpdesk, an e-mailed copy",
    ),
    Purpose(
        "personalisation",
        "consentPersonalisation",
        "remembering the visitor's attributes and preferences to tailor answers and suggestions",
    ),
)
#: the purposes a consent can be asked for (ids of :data:`CATALOGUE`)
PURPOSES: tuple[str, ...] = tuple(p.id for p in CATALOGUE)
#: what a site that requires consent asks for when it names no purposes (as before they existed)
DEFAULT_PURPOSES: tuple[str, ...] = ("analytics",)
