"""Constants of the answer bot's tests (a module, not conftest, so any test file imports it)."""

from __future__ import annotations

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = {d: "00:00-24:00" for d in DAYS}
NEVER_OPEN: dict[str, str] = {}

ARTICLES = [
    {
        "title": "Reset your password",
        "slug": "reset-password",
        "summary": "Forgot your password? Get a reset link by email.",
        "body": "On the sign-in page choose **Forgot password?** and enter the email address of "
        "your account.\n\nWe email you a reset link within a minute. The link works once and "
        "expires after one hour.",
        "tags": ["account", "login"],
        "status": "published",
    },
    {
        "title": "Change your email address",
        "slug": "change-email",
        "summary": "Use another email address for your account.",
        "body": "Open Settings, choose Profile and type the new email address; we confirm it by "
        "sending a link to the new address.",
        "tags": ["account"],
        "status": "published",
    },
    {
        "title": "Our secret roadmap",
        "slug": "roadmap",
        "summary": "Draft: never shown.",
        "body": "Shipping parcels to Mars next year.",
        "status": "draft",
    },
]
