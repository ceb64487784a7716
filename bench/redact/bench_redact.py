"""chinwag-redact's cost per message: a visitor's ``message.send`` acknowledged end to end on an
in-process app (SQLite, the Socket.IO test client) with the plugin off (the baseline, measured
in the same run), on with its defaults (cards, IBANs), and on with e-mails and phone numbers
too; and the processor alone on the same messages. Messages are the corpus's lines mixed with
plain chat lines, nine plain for one with personal data, as in a support chat.

Usage: .venv/bin/python bench/redact/bench_redact.py [MESSAGES] (default 600 per phase).
Prints the median and p95 microseconds per message of each phase."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from chinwag_plugin_api import MessageDraft
from chinwag_redact.processor import redact_draft

from chinwag.state import state
from chinwag.testing import configure_plugin, create_site, dispose, enable_plugin, make_app

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 600
CORPUS = Path(__file__).parents[2] / "plugins_builtin/redact/tests/corpus.jsonl"
CHAT = [
    "Hi, I have a question about my order",
    "It says delivered but I never got it",
    "Can you check the status please?",
    "Thanks, that helps a lot!",
    "How long does a refund usually take?",
    "I live in Leeds, is shipping free there?",
    "The app crashes when I open the basket",
    "ok",
    "Is there a discount for students?",
]


def messages(n: int) -> list[str]:
    pii = [json.loads(line)["text"] for line in CORPUS.read_text().splitlines() if line]
    out: list[str] = []
    for i in range(n):
        out.append(pii[(i // 10) % len(pii)] if i % 10 == 9 else CHAT[i % len(CHAT)])
    return out


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def phase(app: Any, texts: list[str]) -> list[float]:
    """Microseconds per acknowledged message, one visitor conversation per 50 messages."""
    site = app.config["bench_site"]
    client = app.test_client()
    took: list[float] = []
    sock = None
    conversation = None
    for i, text in enumerate(texts):
        if i % 50 == 0:
            if sock is not None:
                sock.disconnect(namespace="/widget")
            session = client.post(
                "/api/v1/widget/session",
                json={"site_key": site["site_key"]},
                headers={"Origin": "https://shop.example"},
            ).get_json()
            auth = {"site_key": site["site_key"], "visitor_token": session["visitor_token"]}
            sock = state(app).server().test_client(app, namespace="/widget", auth=auth)
            conversation = None
        payload: dict[str, Any] = {"client_msg_id": uuid.uuid4().hex, "text": text}
        if conversation is not None:
            payload["conversation_id"] = conversation
        start = time.perf_counter()
        ack = sock.emit("message.send", payload, namespace="/widget", callback=True)
        took.append((time.perf_counter() - start) * 1e6)
        assert ack["ok"], ack
        conversation = ack["message"]["conversation_id"]
    assert sock is not None
    sock.disconnect(namespace="/widget")
    return took


def main() -> None:
    texts = messages(MESSAGES)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(
            Path(tmp), CHINWAG_RATE_LIMIT_MESSAGES=10**9, CHINWAG_RATE_LIMIT_SITE_SESSIONS=10**9
        )
        app.config["bench_site"] = create_site(app)
        phase(app, texts[:50])  # warm-up: imports, caches, first conversation
        results = {"plugin off (baseline)": phase(app, texts)}
        enable_plugin(app, "chinwag-redact")
        results["on: cards, IBANs"] = phase(app, texts)
        configure_plugin(app, "chinwag-redact", emails=True, phones=True, phone_region="GB")
        results["on: + e-mails, phones"] = phase(app, texts)
        dispose(app)
    defaults = {"cards": True, "ibans": True}
    every = {**defaults, "emails": True, "phones": True, "phone_region": "GB"}
    for name, options in (("defaults", defaults), ("all on", every)):
        alone: list[float] = []
        for text in texts:
            draft = MessageDraft(conversation_id=1, author_kind="visitor", text=text)
            start = time.perf_counter()
            redact_draft(draft, options, notice=True)
            alone.append((time.perf_counter() - start) * 1e6)
        results[f"processor alone ({name})"] = alone
    print(f"{MESSAGES} messages per phase, 1 in 10 with personal data; microseconds per message")
    print("| phase | median | p95 |\n|---|---|---|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.0f} | {pct(values, 0.95):.0f} |")


if __name__ == "__main__":
    main()
