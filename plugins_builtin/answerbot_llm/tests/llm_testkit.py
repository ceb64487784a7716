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
        "title": "Cancel your subscription",
        "slug": "cancel-subscription",
        "summary": "Stop your plan at the end of the billing period.",
        "body": "Open Billing and choose Cancel plan. Your plan stays active until the end of "
        "the period you paid for, and nothing more is charged.",
        "tags": ["billing"],
        "status": "published",
    },
]
