"""Redis over TLS (issue 21 item 9, docs/security.md "Operating it safely"): the documented
``rediss://:PASSWORD@host:port/0?ssl_ca_certs=...`` URL carries the signed pub/sub channel and
the rate limits, and a server whose certificate the client cannot check is refused."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import socketio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chinwag.errors import ApiError
from chinwag.ratelimit import RateLimiter
from chinwag.realtime.pubsub import PipelinedRedisManager, signing_key, verify
from chinwag.testing import _require, free_port, make_app

PASSWORD = "a-tls-redis-password"


def _certificate(
    subject: str, key: Any, issuer: x509.Name | None, issuer_key: Any, ca: bool
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_pki(work: Path) -> None:
    """A private CA (ca.pem) and a server certificate for 127.0.0.1 it signed."""
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _certificate("Chinwag test CA", ca_key, None, ca_key, ca=True)
    server = _certificate("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (work / "ca.pem").write_bytes(ca.public_bytes(pem))
    (work / "server.pem").write_bytes(server.public_bytes(pem))
    (work / "server.key").write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: Any) -> Iterator[tuple[str, Path]]:
    """A redis-server that speaks only TLS and requires a password: its ``rediss://`` URL
    (naming the private CA, as docs/security.md says) and the CA's file."""
    binary = shutil.which("redis-server")
    _require("redis-server", binary is not None)
    work = Path(tmp_path_factory.mktemp("redis-tls"))
    _write_pki(work)
    port = free_port()
    options = {
        "--tls-port": str(port),
        "--tls-cert-file": str(work / "server.pem"),
        "--tls-key-file": str(work / "server.key"),
        "--tls-ca-cert-file": str(work / "ca.pem"),
        "--tls-auth-clients": "no",
        "--port": "0",  # no plain-text port at all
        "--bind": "127.0.0.1",
        "--requirepass": PASSWORD,
        "--save": "",
        "--appendonly": "no",
        "--dir": str(work),
    }
    proc = subprocess.Popen(
        [str(binary), *(arg for pair in options.items() for arg in pair)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0?ssl_ca_certs={work / 'ca.pem'}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if redis.Redis.from_url(url, socket_timeout=1).ping():
                break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server with TLS did not start (built without TLS?)")
            time.sleep(0.1)
    yield url, work / "ca.pem"
    proc.terminate()
    proc.wait(10)


def test_signed_events_and_rate_limits_travel_over_tls(tls_redis: tuple[str, Path]) -> None:
    url, _ca = tls_redis
    channel = f"chinwag-tls-{uuid.uuid4().hex[:8]}"
    key = signing_key("tls-test-secret")
    listener = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
    manager = PipelinedRedisManager(url, channel=channel, signing_key=key)
    server = socketio.Server(async_mode="threading", client_manager=manager)
    manager.initialize()
    server.emit("message.new", {"text": "over tls"}, to="room")
    got = None
    deadline = time.monotonic() + 10
    while got is None and time.monotonic() < deadline:
        msg = listener.get_message(timeout=0.2)
        if msg and msg["type"] == "message":
            got = verify(key, msg["data"])
    assert got is not None, "the signed event did not cross the TLS channel"
    assert server.packet_class.json.loads(got)["data"][0] == {"text": "over tls"}
    listener.close()

    app = make_app(Path(_ca.parent / f"app-{channel}"))
    app.config["CHINWAG_REDIS_URL"] = url
    app.config["CHINWAG_REDIS_CHANNEL"] = channel
    limiter = RateLimiter()
    with app.app_context():
        limiter.hit("v:tls", 1, 60)
        with pytest.raises(ApiError) as refused:
            limiter.hit("v:tls", 1, 60)  # counted in the TLS Redis: the second is refused
    assert refused.value.code == "rate_limited"
    assert redis.Redis.from_url(url).keys(f"{channel}*")  # the count lives in Redis


def test_a_certificate_the_client_cannot_check_is_refused(tls_redis: tuple[str, Path]) -> None:
    url, _ca = tls_redis
    unchecked = url.split("?", 1)[0]  # no private CA named: the system's CAs do not know it
    with pytest.raises(redis.exceptions.ConnectionError, match=r"(?i)certificate"):
        redis.Redis.from_url(unchecked, socket_timeout=5).ping()
