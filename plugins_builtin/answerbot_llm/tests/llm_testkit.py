"""Constants of the LLM answer bot's tests (a module, not conftest, so any test file imports it)."""

from __future__ import annotations

PLUGIN = "chinwag-answerbot-llm"
#: a key shaped like a hosted API's, to look for in logs and outputs
API_KEY = "sk-test-9f2c41d7e0b84a6fb3c5"

ARTICLES = [
    {
        "title": "Reset your password",
        "slug": "reset-password",
        "summary": "Forgot your password? Get a reset link by email.",
        "body": "On the sign-in page choose Forgot password and enter the email address of your "
        "account. We email you a reset link within a minute. The link works once and expires "
        "after one hour.",
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
]
