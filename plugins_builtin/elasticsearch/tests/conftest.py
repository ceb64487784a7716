"""Fixtures of chinwag-elasticsearch's tests: an OpenSearch-API server on loopback (osmem-server,
an in-memory engine from PyPI; a Go binary inside its wheel) that a test can stop and start
again on the same port, and a Chinwag app with the plugin enabled and pointed at it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chinwag.testing import configure_plugin, enable_plugin

PLUGIN = "chinwag-elasticsearch"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SearchServer:
    """``osmem-server -addr 127.0.0.1:PORT -no-ja -no-stdin-watch``, stopped by its PID. Its
    data lives in memory: a restart comes back empty, as a replaced cluster would."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        args = [self.binary, "-addr", f"127.0.0.1:{self.port}", "-no-ja", "-no-stdin-watch"]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # one JSON line once it listens
        if not line:
            raise RuntimeError("osmem-server exited before it was ready")
        assert json.loads(line)["url"] == self.url

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def search(
        self, query: dict[str, Any] | None = None, index: str = "chinwag-events-*"
    ) -> list[dict[str, Any]]:
        """The documents matching ``query`` (all of them by default), ``_index`` added."""
        requests.post(f"{self.url}/{index}/_refresh", timeout=10)
        res = requests.post(
            f"{self.url}/{index}/_search",
            json={"query": query or {"match_all": {}}, "size": 1000},
            timeout=10,
        )
        res.raise_for_status()
        return [{**h["_source"], "_index": h["_index"]} for h in res.json()["hits"]["hits"]]


def _binary() -> str:
    try:
        from osmem_server import resolve_binary
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("osmem-server (requirements-dev.txt) is required under CI=true")
        pytest.skip("osmem-server is not installed")
    return str(resolve_binary())


@pytest.fixture
def search_server() -> Iterator[SearchServer]:
    """-> ``SearchServer``: a running OpenSearch-API server on 127.0.0.1 (``url``, ``stop()``,
    ``start()`` on the same port, ``search(query)``)."""
    server = SearchServer(_binary())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def es_app(chinwag_app: Any, search_server: SearchServer) -> Any:
    """``chinwag_app`` with chinwag-elasticsearch enabled and indexing into ``search_server``."""
    enable_plugin(chinwag_app, PLUGIN)
    configure_plugin(chinwag_app, PLUGIN, url=search_server.url, timeout_seconds=5.0)
    return chinwag_app
