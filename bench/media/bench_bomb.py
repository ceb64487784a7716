"""Memory of the process that handles decompression bombs: the 7000x7000 PNG of issue 21
(49 MP, a few hundred KB), six in a row, decoded the old way (Pillow inside the process, as
the server did) and the new way (chinwag_media.decode: a child limited to image_memory_mb).

Each variant runs in a fresh interpreter so the peaks do not mix; prints the handling
process's peak RSS growth and the children's peak. Run: python bench/media/bench_bomb.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

RUN = r"""
import io, json, resource, sys, time
from PIL import Image
from chinwag_media import decode, images
out = io.BytesIO(); Image.new("RGB", (7000, 7000), (10, 20, 30)).save(out, "PNG", optimize=True)
bomb = out.getvalue()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter(); outcomes = []
for _ in range(6):
    try:
        if sys.argv[1] == "in-process":
            images.process_image(io.BytesIO(bomb), "image/png", 50_000_000)
        else:
            decode.process_image(bomb, "image/png", 50_000_000, int(sys.argv[2]))
        outcomes.append("processed")
    except Exception as exc:
        outcomes.append(getattr(exc, "code", type(exc).__name__))
print(json.dumps({
    "png_kb": len(bomb) // 1024,
    "self_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024,
    "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
    "seconds": round(time.perf_counter() - started, 1),
    "outcomes": sorted(set(outcomes)),
}))
"""


def main() -> None:
    for label, args in (
        ("in-process Pillow (before)", ["in-process"]),
        ("bounded child, image_memory_mb=512 (default)", ["child", "512"]),
        ("bounded child, image_memory_mb=1024", ["child", "1024"]),
    ):
        res = subprocess.run(
            [sys.executable, "-c", RUN, *args], capture_output=True, text=True, check=True
        )
        print(f"{label:48} {json.loads(res.stdout.strip().splitlines()[-1])}", flush=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - started:.0f} s")
