"""Widget timings in Debian's Chromium on loopback (median of runs), beside baselines measured in
the same run:

- loader: from the loader script's arrival (responseEnd) to a visible launcher (this includes
  the config request); baseline: an inline script that only draws a button.
- open: from the click on the launcher to an interactive panel (composer focused), cold (the
  iframe not preloaded) and warm (preloaded at idle); baseline: an iframe of a static Chinwag
  response (/healthz) reaching its load event.
- sizes: the loader and the chat bundle, gzip.

Run: `.venv/bin/python bench/widget/bench_widget.py [runs]` (needs `make widget`).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2] / "tests" / "widget"))

from widget_helpers import STATIC, HostPage  # noqa: E402

from chinwag.testing import LiveServer, free_port, run_cli  # noqa: E402

CHROMIUM = os.environ.get("CHINWAG_CHROMIUM", "/usr/bin/chromium")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head>
<body><main><h1>bench</h1></main>
<script>
window.t = {};
new MutationObserver(() => {
  const w = document.querySelector('chinwag-widget, #baseline');
  if (w && !window.t.shown) requestAnimationFrame(() => { window.t.shown = performance.now(); });
}).observe(document.body, {childList: true});
</script>
SCRIPT
</body></html>"""


def start_server(tmp: Path) -> LiveServer:
    port = free_port()
    env = {
        **os.environ,
        "CHINWAG_INSTANCE_PATH": str(tmp),
        "CHINWAG_DATABASE_URL": f"sqlite:///{tmp}/chinwag.db",
        "CHINWAG_SECRET_KEY": "bench-secret-key-long-enough-for-hs256-signing",
        "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    run_cli(env, "db", "upgrade")
    out = run_cli(
        env, "sites", "create", "--name", "Bench", "--origin", "http://127.0.0.1", "--json"
    )
    server = LiveServer(env, port, tmp / "server.log")
    server.extra["site"] = json.loads(out.stdout)
    return server.start()


def main(runs: int = 10) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        server = start_server(Path(tmp))
        key = server.extra["site"]["site_key"]
        widget_page = HostPage(
            PAGE.replace(
                "SCRIPT",
                f'<script src="{server.url}/widget/chinwag.js" data-site="{key}" async></script>',
            ),
            None,
        )
        base_js = (
            "<script>window.t0=performance.now();const b=document.createElement('button');"
            "b.id='baseline';b.textContent='Chat';document.body.append(b);"
            "requestAnimationFrame(()=>{window.t.shown=performance.now()})</script>"
        )
        baseline_page = HostPage(PAGE.replace("SCRIPT", base_js), None)
        # the loader checks the allowed origins: allow the host page's
        import requests

        run_cli(
            server.env,
            "users",
            "create",
            "--email",
            "b@example.com",
            "--password",
            "bench password 1",
            "--role",
            "admin",
        )
        tok = requests.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": "b@example.com", "password": "bench password 1"},
            timeout=10,
        ).json()["access_token"]
        requests.patch(
            f"{server.url}/api/v1/sites/{server.extra['site']['id']}",
            json={"allowed_origins": [widget_page.origin, baseline_page.origin]},
            headers={"Authorization": f"Bearer {tok}"},
            timeout=10,
        ).raise_for_status()
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        res: dict[str, list[float]] = {
            k: [] for k in ("loader", "baseline", "open_cold", "open_warm", "iframe_baseline")
        }
        try:
            for _ in range(runs):
                for name, hp in (("loader", widget_page), ("baseline", baseline_page)):
                    ctx = browser.new_context()
                    page = ctx.new_page()
                    page.goto(hp.origin)
                    page.wait_for_function("() => window.t.shown")
                    start = page.evaluate(
                        "(src) => window.t0 ?? performance.getEntriesByType('resource')"
                        ".find(r => r.name === src).responseEnd",
                        f"{server.url}/widget/chinwag.js",
                    )
                    res[name].append(page.evaluate("() => window.t.shown") - start)
                    if name == "loader":
                        for mode in ("open_cold", "open_warm"):
                            if mode == "open_warm":
                                page.reload()
                                page.wait_for_function("() => window.t.shown")
                                page.wait_for_function(
                                    "() => document.querySelector('chinwag-widget').shadowRoot.querySelector('iframe')"
                                )
                                page.wait_for_timeout(500)
                            t0 = page.evaluate("() => performance.now()")
                            page.locator("chinwag-widget button").click()
                            frame = None
                            while frame is None:
                                frame = next(
                                    (f for f in page.frames if "/widget/frame/" in f.url), None
                                )
                            frame.wait_for_function(
                                "() => document.activeElement && document.activeElement.id === 'cw-input'"
                            )
                            t1 = page.evaluate("() => performance.now()")
                            res[mode].append(t1 - t0)
                            if mode == "open_cold":
                                page.locator("chinwag-widget button").click()
                        t0 = page.evaluate("() => performance.now()")
                        page.evaluate(
                            "(u) => new Promise(r => { const f = document.createElement('iframe');"
                            " f.onload = r; f.src = u; document.body.append(f); })",
                            f"{server.url}/healthz",
                        )
                        res["iframe_baseline"].append(page.evaluate("() => performance.now()") - t0)
                    ctx.close()
        finally:
            browser.close()
            widget_page.close()
            baseline_page.close()
            server.stop()
    manifest = json.loads((STATIC / "manifest.json").read_text())
    print(f"runs: {runs}; Chromium headless on loopback; median ms")
    print(f"{'measure':<44}{'chinwag':>10}{'baseline':>10}")
    print(
        f"{'loader arrival -> launcher visible':<44}{statistics.median(res['loader']):>10.1f}{statistics.median(res['baseline']):>10.1f}"
    )
    print(
        f"{'click -> panel interactive (cold)':<44}{statistics.median(res['open_cold']):>10.1f}{statistics.median(res['iframe_baseline']):>10.1f}"
    )
    print(
        f"{'click -> panel interactive (warm, preloaded)':<44}{statistics.median(res['open_warm']):>10.1f}{statistics.median(res['iframe_baseline']):>10.1f}"
    )
    print(
        f"loader {manifest['gzip']['loader']} B gzip (budget 2048); chat {manifest['gzip']['chat_total']} B gzip (budget 30720)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
