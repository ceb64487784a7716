"""Fixtures of the LLM answer bot's tests: a local chat-completions API (``openai_fake``) and
an app with chinwag-kb holding a few articles and chinwag-answerbot-llm pointed at the fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llm_testkit import API_KEY, ARTICLES, PLUGIN
from openai_fake import FakeOpenAI

from chinwag.testing import configure_plugin, enable_plugin


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    """-> ``FakeOpenAI`` on 127.0.0.1 (a free port), requiring ``API_KEY``."""
    fake = FakeOpenAI(api_key=API_KEY).start()
    yield fake
    if fake.hold is not None:
        fake.hold.set()
    fake.stop()


@pytest.fixture
def llm_bot(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    fake_llm: FakeOpenAI,
) -> Any:
    """The app with the knowledge base's articles and the LLM bot enabled and configured."""
    enable_plugin(chinwag_app, "chinwag-kb")
    res = chinwag_client.post(
        "/api/v1/kb/import",
        json={"articles": [{**a, "sites": [demo_site["id"]]} for a in ARTICLES]},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code in (200, 201), res.get_json()
    configure_plugin(
        chinwag_app,
        PLUGIN,
        base_url=f"{fake_llm.url}/v1",
        model=fake_llm.model,
        api_key=API_KEY,
        timeout=1.0,
    )
    enable_plugin(chinwag_app, PLUGIN)
    return chinwag_app
