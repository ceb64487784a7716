"""The LLM answer bot with two real job workers (two ``chinwag worker`` processes beside a
server that runs no jobs itself): answers to two quick questions come in the order they were
asked, each once, even when the first question's model call is the slow one; and a worker
SIGKILLed right after posting its hand-off note leaves one note and one answer once the other
worker re-runs the job. Both on one server and one pair of workers (each start-up costs tens of
seconds of CPU on a loaded machine), and only once both workers beat their heartbeat: a
worker's start-up is not part of what the waits below measure.

The workers are ``chinwag worker`` with one change: the bot's ``post_note_once`` pauses the
first run after the note while the test arms it (``arm`` in the probe folder), so the test
knows when and which worker to kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from llm_testkit import API_KEY, ARTICLES, PLUGIN
from openai_fake import FakeOpenAI, cite_first

from chinwag.testing import LiveServer, enable_live_plugins, live_admin_headers

#: ``chinwag worker``, its bot pausing after the first hand-off note once ``arm`` exists
WORKER = """
import os, runpy, sys, threading
from chinwag_answerbot_llm import bot

post = bot.post_note_once
folder = os.environ["LLM_TEST_PROBE"]


def pausing(*args):
    posted = post(*args)
    if not os.path.exists(os.path.join(folder, "arm")):
        return posted
    try:
        fd = os.open(os.path.join(folder, "paused"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return posted  # the re-run, on the other worker, goes on
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    threading.Event().wait()  # the test kills this worker now
    return posted


bot.post_note_once = pausing
sys.argv = ["chinwag", "worker"]
runpy.run_module("chinwag", run_name="__main__")
"""

FIRST = "How do I reset my password?"
SECOND = "How do I cancel my subscription?"


def question(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"]).rsplit("Question:\n", 1)[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.1)


@pytest.fixture
def workers(live_server: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A server without an in-process worker and two ``chinwag worker`` processes on its
    queue (one thread each; a dead worker's jobs re-queued after 3 s)."""
    server: LiveServer = live_server(
        CHINWAG_JOBS_IN_PROCESS="false", CHINWAG_JOBS_LEASE_SECONDS="3"
    )
    probe = tmp_path / "probe"
    probe.mkdir()
    env = {
        **server.env,
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_JOBS_WORKERS": "1",
        "LLM_TEST_PROBE": str(probe),
    }
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    for n in range(2):
        log = open(tmp_path / f"worker-{n}.log", "ab")  # noqa: SIM115 - closed below
        logs.append(log)
        cmd = [sys.executable, "-c", WORKER]
        procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        yield {"server": server, "procs": procs, "probe": probe}
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        for n, log in enumerate(logs):
            log.close()
            tail = (tmp_path / f"worker-{n}.log").read_text(errors="replace").splitlines()
            print(f"--- worker {n} ---", *tail[-30:], sep="\n")


def _set_up(server: LiveServer, fake: FakeOpenAI) -> dict[str, str]:
    headers = live_admin_headers(server)
    site = server.extra["site"]
    settings = {
        "base_url": f"{fake.url}/v1",
        "model": fake.model,
        "api_key": API_KEY,
        "timeout": 10.0,
    }
    enable_live_plugins(server, headers, {"chinwag-kb": {}, PLUGIN: settings})
    res = requests.post(
        f"{server.url}/api/v1/kb/import",
        json={"articles": [{**a, "sites": [site["id"]]} for a in ARTICLES]},
        headers=headers,
        timeout=60,
    )
    assert res.status_code == 200, res.text
    _wait_for_workers(server, headers, 2)
    return headers


def _jobs(server: LiveServer, headers: dict[str, str]) -> dict[str, Any]:
    """The bot's job figures, as the queue keeps them (the same in every process)."""
    res = requests.get(f"{server.url}/api/v1/plugins/{PLUGIN}", headers=headers, timeout=10)
    assert res.status_code == 200, res.text
    return dict(res.json()["health"]["jobs"])


def _wait_for_workers(server: LiveServer, headers: dict[str, str], count: int) -> None:
    """Wait until ``count`` workers beat their heartbeat: started, their app created (which
    took 15-30 s under load, and more in CI, once counted in the waits for the answers)."""
    wait_until(lambda: _jobs(server, headers)["workers"] >= count, 180, f"{count} workers up")


def _visitor(server: LiveServer) -> socketio.SimpleClient:
    site = server.extra["site"]
    origin = {"Origin": server.url}
    session = requests.post(
        f"{server.url}/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers=origin,
        timeout=10,
    ).json()
    visitor = socketio.SimpleClient()
    visitor.connect(
        server.url,
        namespace="/widget",
        transports=["websocket"],
        headers=origin,
        auth={"site_key": site["site_key"], "visitor_token": session["visitor_token"]},
    )
    return visitor


def _send(visitor: socketio.SimpleClient, text: str, conversation_id: int | None) -> int:
    payload: dict[str, Any] = {"client_msg_id": os.urandom(8).hex(), "text": text}
    if conversation_id is not None:
        payload["conversation_id"] = conversation_id
    ack = visitor.call("message.send", payload, timeout=30)
    assert ack["ok"], ack
    return int(ack["message"]["conversation_id"])


def _messages(server: LiveServer, headers: dict[str, str], conv: int) -> list[dict[str, Any]]:
    res = requests.get(
        f"{server.url}/api/v1/conversations/{conv}/messages", headers=headers, timeout=10
    )
    assert res.status_code == 200, res.text
    return list(res.json()["messages"])


def _notes(server: LiveServer, headers: dict[str, str], conv: int) -> list[str]:
    res = requests.get(
        f"{server.url}/api/v1/inbox/conversations/{conv}/notes", headers=headers, timeout=10
    )
    assert res.status_code == 200, res.text
    return [n["text"] for n in res.json()["notes"] if n["author_plugin"] == PLUGIN]


def _wait_idle(server: LiveServer, headers: dict[str, str]) -> None:
    """Wait until no job of the bot is queued or running (the queue's own figures)."""

    def idle() -> bool:
        jobs = _jobs(server, headers)
        return bool(jobs["running"] == jobs["queued"] == 0)

    wait_until(idle, 60, "the bot's jobs done")


def test_two_workers_answer_in_order_and_once_and_survive_a_kill(
    workers: dict[str, Any], fake_llm: FakeOpenAI
) -> None:
    headers = _set_up(workers["server"], fake_llm)
    _quick_questions_are_answered_in_order_and_once(workers["server"], headers, fake_llm)
    _a_worker_killed_after_its_note_leaves_one_note_and_one_answer(workers, headers, fake_llm)


def _quick_questions_are_answered_in_order_and_once(
    server: LiveServer, headers: dict[str, str], fake_llm: FakeOpenAI
) -> None:
    second_asked = threading.Event()

    def slow_first(body: dict[str, Any]) -> str:
        """The first question's call is the slow one: it waits (bounded) for the second's."""
        if question(body) == FIRST:
            second_asked.wait(4)
        else:
            second_asked.set()
        return str(cite_first(body))

    fake_llm.reply = slow_first
    visitor = _visitor(server)
    try:
        conv = _send(visitor, FIRST, None)
        _send(visitor, SECOND, conv)

        def bots() -> list[dict[str, Any]]:
            return [m for m in _messages(server, headers, conv) if m["author_kind"] == "bot"]

        wait_until(lambda: len(bots()) >= 2, 60, "two answers")
        _wait_idle(server, headers)  # every job done: a duplicate would show now
        texts = [m["text"] for m in bots()]
        assert len(texts) == 2, texts
        assert "[Reset your password](" in texts[0], texts
        assert "[Cancel your subscription](" in texts[1], texts
        # the second question was asked once the first was answered, with that answer in view
        asked = [question(b) for b in fake_llm.bodies]
        assert asked == [FIRST, SECOND], asked
        assert "On the sign-in page choose Forgot password" in str(fake_llm.bodies[1])
    finally:
        visitor.disconnect()


def _a_worker_killed_after_its_note_leaves_one_note_and_one_answer(
    workers: dict[str, Any], headers: dict[str, str], fake_llm: FakeOpenAI
) -> None:
    server, procs, probe = workers["server"], workers["procs"], workers["probe"]
    fake_llm.reply = lambda _body: json.dumps({"status": "cannot_answer", "reason": "not there"})
    (probe / "arm").touch()
    visitor = _visitor(server)
    try:
        conv = _send(visitor, FIRST, None)
        paused = probe / "paused"
        wait_until(lambda: paused.exists() and paused.read_text() != "", 60, "the note")
        pid = int(paused.read_text())
        assert pid in [p.pid for p in procs]
        assert len(_notes(server, headers, conv)) == 1  # the note, and no answer yet
        assert not [m for m in _messages(server, headers, conv) if m["author_kind"] == "bot"]
        os.kill(pid, signal.SIGKILL)

        # the other worker finds the dead worker's lease, re-runs the job: the answer, no note
        def bots() -> list[dict[str, Any]]:
            return [m for m in _messages(server, headers, conv) if m["author_kind"] == "bot"]

        wait_until(lambda: len(bots()) >= 1, 90, "the answer after the re-run")
        _wait_idle(server, headers)
        assert [m["text"] for m in bots()] == [
            "I couldn't find that in our help articles, so I'm passing you to a person from "
            "our team; they will reply here."
        ]
        (note,) = _notes(server, headers, conv)
        assert "The model said the passages do not answer it: not there" in note
        res = requests.get(f"{server.url}/api/v1/conversations", headers=headers, timeout=10)
        (row,) = [c for c in res.json() if c["id"] == conv]
        assert row["assignee_kind"] == "agent"  # handed to people
    finally:
        visitor.disconnect()
