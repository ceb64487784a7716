"""Media benchmark: thumbnail time for a 12-megapixel JPEG and a 10 MB video, and upload
throughput through Chinwag to local and S3 (moto) storage. Each figure stands beside a
baseline measured in the same run: a plain Pillow decode+resize, a plain ffmpeg frame grab,
and a raw file copy / raw boto3 upload of the same bytes.

Run: .venv/bin/python bench/media/bench_media.py
"""

from __future__ import annotations

import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "plugins_builtin" / "media" / "tests"))

from chinwag_media import images, video  # noqa: E402
from PIL import Image  # noqa: E402


def timed(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def make_jpeg(path: Path) -> bytes:
    """A 4000x3000 (12 MP) photo-like JPEG: noise over a gradient, so it compresses like a photo."""
    im = Image.effect_noise((4000, 3000), 60).convert("RGB")
    im = Image.blend(im, Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), 0.5)
    im.save(path, "JPEG", quality=92)
    return path.read_bytes()


def make_video(path: Path) -> bytes:
    """About 10 MB of H.264 (noisy test pattern, 720p, high bitrate)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "anoisesrc=d=10", "-t", "10", "-b:v", "8M", "-maxrate", "8M",
         "-bufsize", "4M", "-pix_fmt", "yuv420p", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def thumbnails(work: Path) -> None:
    jpeg_path = work / "photo.jpg"
    data = make_jpeg(jpeg_path)
    print(f"12 MP JPEG: {len(data) / 1e6:.1f} MB")

    def baseline_jpeg() -> None:
        with Image.open(io.BytesIO(data)) as im:
            im.load()  # every pixel decoded, then resized: what a thumbnail costs without draft()
            im.resize((480, 360), Image.Resampling.LANCZOS)

    def chinwag_thumb() -> None:
        images.make_thumbnail(io.BytesIO(data), "image/jpeg", 50_000_000)

    def chinwag_full() -> None:
        images.process_image(io.BytesIO(data), "image/jpeg", 50_000_000)

    print(f"  baseline Pillow full decode + resize    : {timed(baseline_jpeg) * 1000:8.1f} ms")
    print(f"  chinwag thumbnail (draft + WebP)         : {timed(chinwag_thumb) * 1000:8.1f} ms")
    print(f"  chinwag full processing (re-encode+thumb): {timed(chinwag_full) * 1000:8.1f} ms")

    video_path = work / "clip.mp4"
    vdata = make_video(video_path)
    print(f"video: {len(vdata) / 1e6:.1f} MB, 10 s 720p")

    def baseline_ffmpeg() -> None:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-ss", "1", "-i", str(video_path), "-frames:v", "1",
             "-f", "image2", "-vcodec", "png", "pipe:"],
            check=True, capture_output=True,
        )  # fmt: skip

    def chinwag_video() -> None:
        facts = video.inspect(str(video_path), "mov", 60)
        with Image.open(io.BytesIO(facts.poster or b""), formats=["PNG"]) as im:
            images.thumbnail_of(im)

    print(f"  baseline ffmpeg frame grab               : {timed(baseline_ffmpeg) * 1000:8.1f} ms")
    print(f"  chinwag probe + sandboxed poster + WebP  : {timed(chinwag_video) * 1000:8.1f} ms")


def throughput(work: Path) -> None:
    import requests
    from s3_servers import moto_server

    from chinwag.testing import LiveServer, free_port, run_cli

    payload = (b"chinwag media benchmark line\n" * 300_000)[: 8 * 1024 * 1024]  # 8 MiB text file
    src = work / "payload.txt"
    src.write_bytes(payload)
    mb = len(payload) / (1024 * 1024)
    copies = 5

    def copy_baseline() -> None:
        shutil.copyfile(src, work / "copy.txt")

    print(f"upload throughput, {mb:.0f} MiB text file, median of {copies}:")
    t = timed(copy_baseline, copies)
    print(f"  baseline raw file copy                   : {mb / t:8.1f} MiB/s")

    with moto_server(work) as s3:
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        client = s3.client()
        client.create_bucket(Bucket=bucket)
        t = timed(lambda: client.upload_fileobj(io.BytesIO(payload), bucket, "raw.txt"), copies)
        print(f"  baseline raw boto3 upload to moto        : {mb / t:8.1f} MiB/s")

        import os

        for label, extra in (
            ("local", {}),
            (
                "s3",
                {
                    "CHINWAG_STORAGE": "s3",
                    **{f"CHINWAG_STORAGE_{k.upper()}": v for k, v in s3.options(bucket).items()},
                },
            ),
        ):
            inst = work / f"inst-{label}"
            inst.mkdir()
            port = free_port()
            env = {
                **os.environ,
                "CHINWAG_INSTANCE_PATH": str(inst),
                "CHINWAG_DATABASE_URL": f"sqlite:///{inst}/chinwag.db",
                "CHINWAG_SECRET_KEY": "bench-secret-key-long-enough-for-hs256-0123",
                "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
                **extra,
            }
            run_cli(env, "db", "upgrade")
            import json

            site = json.loads(run_cli(env, "sites", "create", "--name", "b", "--json").stdout)
            server = LiveServer(env, port, inst / "server.log").start()
            try:
                s = requests.post(
                    f"{server.url}/api/v1/widget/session",
                    json={"site_key": site["site_key"]},
                    timeout=10,
                ).json()
                headers = {"Authorization": f"Visitor {s['visitor_token']}"}

                def up() -> None:
                    r = requests.post(
                        f"{server.url}/api/v1/plugins/chinwag-media/uploads",
                        files={"file": ("payload.txt", payload, "text/plain")},
                        headers=headers,
                        timeout=60,
                    )
                    assert r.status_code == 201, r.text

                t = timed(up, copies)
                print(f"  chinwag upload -> {label:5} storage         : {mb / t:8.1f} MiB/s")
                if label == "local":
                    loop_latency(server.url, headers, work / "photo.jpg")
            finally:
                server.stop()


def loop_latency(url: str, headers: dict[str, str], photo: Path) -> None:
    """Is the gevent loop free while Pillow works? /healthz latency while 12 MP photos are
    being processed, beside the same probe on an idle server."""
    import threading

    import requests

    def probe(n: int = 40) -> list[float]:
        out = []
        for _ in range(n):
            start = time.perf_counter()
            requests.get(f"{url}/healthz", timeout=10)
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)
        return sorted(out)

    idle = probe()
    data = photo.read_bytes()
    stop = threading.Event()

    def uploads() -> None:
        while not stop.is_set():
            requests.post(
                f"{url}/api/v1/plugins/chinwag-media/uploads",
                files={"file": ("photo.jpg", data, "image/jpeg")},
                headers=headers,
                timeout=60,
            )

    worker = threading.Thread(target=uploads)
    worker.start()
    time.sleep(0.3)
    busy = probe()
    stop.set()
    worker.join()
    print("  /healthz latency, p50 / max (ms):")
    print(
        f"    baseline idle server                   : {idle[len(idle) // 2]:6.1f} / {idle[-1]:6.1f}"
    )
    print(
        f"    during 12 MP uploads (Pillow in thread): {busy[len(busy) // 2]:6.1f} / {busy[-1]:6.1f}"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        thumbnails(work)
        throughput(work)
