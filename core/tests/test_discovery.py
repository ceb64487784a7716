"""Discovery of installed plugin distributions: import failures are reported, blocked plugins are
never imported, and configuration refuses to run production without a secret."""

import sys
from pathlib import Path
from typing import Any

import pytest

from chinwag.config import ConfigError, load_config
from chinwag.plugins.host import PluginHost


def install_fake(site: Path, dist: str, module: str, source: str, entry_points: str) -> None:
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\nSummary: fake\n"
        "Requires-Dist: chinwag-plugin-api<2,>=1.0\n"
    )
    (info / "entry_points.txt").write_text(entry_points)


GOOD = """
from chinwag_plugin_api import InboundProcessor, PluginInfo
INFO = PluginInfo(display_name="Good")
class Proc(InboundProcessor):
    def process(self, ctx, draft):
        return draft
"""


def test_import_failure_reported_and_blocked_never_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake(
        tmp_path,
        "chinwag-good",
        "cw_fake_good",
        GOOD,
        "[chinwag.plugins]\ngood = cw_fake_good:INFO\n[chinwag.inbound]\ngood = cw_fake_good:Proc\n",
    )
    install_fake(
        tmp_path,
        "chinwag-broken",
        "cw_fake_broken",
        "raise ImportError('missing dependency foo')\n",
        "[chinwag.inbound]\nbroken = cw_fake_broken:Proc\n",
    )
    install_fake(
        tmp_path,
        "chinwag-blocked",
        "cw_fake_blocked",
        "raise SystemExit('must never be imported')\n",
        "[chinwag.inbound]\nblocked = cw_fake_blocked:Proc\n",
    )
    install_fake(
        tmp_path,
        "chinwag-wrong",
        "cw_fake_wrong",
        "class Proc: pass\n",
        "[chinwag.inbound]\nwrong = cw_fake_wrong:Proc\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    host = PluginHost(blocked={"chinwag-blocked"})
    good, broken = host.records["chinwag-good"], host.records["chinwag-broken"]
    assert good.loaded and good.info.display_name == "Good" and not good.load_errors
    assert [type(e).__name__ for e in good.extensions["chinwag.inbound"]] == ["Proc"]
    assert any("missing dependency foo" in e for e in broken.load_errors)
    assert host.records["chinwag-blocked"].blocked and "cw_fake_blocked" not in sys.modules
    assert "does not implement InboundProcessor" in host.records["chinwag-wrong"].load_errors[0]


def test_production_requires_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config({"CHINWAG_ENV": "production", "CHINWAG_INSTANCE_PATH": str(tmp_path)})


def test_development_secret_is_generated_once(tmp_path: Path) -> None:
    env: dict[str, Any] = {"CHINWAG_INSTANCE_PATH": str(tmp_path)}
    first = load_config(env)["SECRET_KEY"]
    assert len(first) >= 48 and load_config(env)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load_config(env)["CHINWAG_DATABASE_URL"] == f"sqlite:///{tmp_path / 'chinwag.db'}"


def test_entry_point_name_clash_is_refused_before_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two distributions claiming ``chinwag.responders:bot``: neither module is imported."""
    for dist, module in (("chinwag-one", "cw_fake_one"), ("chinwag-two", "cw_fake_two")):
        install_fake(
            tmp_path,
            dist,
            module,
            "raise SystemExit('a clashing entry point must not be imported')\n",
            f"[chinwag.responders]\nbot = {module}:Bot\n",
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    host = PluginHost()
    for name, other in (("chinwag-one", "chinwag-two"), ("chinwag-two", "chinwag-one")):
        errors = host.records[name].load_errors
        assert errors == [
            f"chinwag.responders:bot: refused, {other} registers the same entry-point name "
            "(rename one of them)"
        ]
    assert "cw_fake_one" not in sys.modules and "cw_fake_two" not in sys.modules


def test_hook_taking_an_unknown_argument_is_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake(
        tmp_path,
        "chinwag-typo",
        "cw_fake_typo",
        "from chinwag_plugin_api import InboundProcessor\n"
        "class Proc(InboundProcessor):\n"
        "    def process(self, ctx, message):\n"
        "        return message\n",
        "[chinwag.inbound]\ntypo = cw_fake_typo:Proc\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    record = PluginHost().records["chinwag-typo"]
    assert record.extensions == {}
    assert record.load_errors == [
        "chinwag.inbound:typo: Proc.process() takes 'message', which InboundProcessor.process "
        "does not pass (it passes ['ctx', 'draft'])"
    ]
