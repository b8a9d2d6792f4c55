"""`leadsim dashboard`: offline and private settings, and the command itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leadsim.cli import build_parser
from leadsim.dashboard import server


def test_solara_is_configured_offline_private_and_bounded():
    settings = server.SETTINGS
    assert settings["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert settings["SOLARA_ASSETS_PROXY"] == "true"  # assets from this server, not a CDN
    assert settings["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")  # a miss stays local
    assert settings["SOLARA_KERNEL_CULL_TIMEOUT"].endswith("m")
    assert settings["SOLARA_MODE"] == "production"  # no version check against solara.dev
    assert settings["SOLARA_APP"] == "leadsim.dashboard.app"


def test_the_assets_the_page_loads_ship_with_solara_assets():
    import solara_assets

    cdn = Path(sys.prefix) / "share" / "solara" / "cdn"
    assert solara_assets.__version__
    for asset in ("echarts@5.4.0/dist/echarts.min.js", "requirejs@2.3.6/require.js"):
        assert (cdn / asset).is_file(), asset


def test_configure_sets_the_environment_before_solara_is_imported():
    code = (
        "import os, sys\n"
        "from leadsim.dashboard.server import configure\n"
        "configure()\n"
        "import solara.server.settings as s\n"
        "assert s.telemetry.mixpanel_enable is False\n"
        "assert s.kernel.cull_timeout == os.environ['SOLARA_KERNEL_CULL_TIMEOUT']\n"
        "import solara.settings\n"
        "assert solara.settings.assets.proxy is True\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_the_dashboard_command_is_registered_with_port_and_host():
    args = build_parser().parse_args(["dashboard", "--port", "9001", "--host", "0.0.0.0"])
    assert (args.port, args.host) == (9001, "0.0.0.0")
    assert args.func.__name__ == "cmd_dashboard"
    defaults = build_parser().parse_args(["dashboard"])
    assert (defaults.port, defaults.host) == (8765, "127.0.0.1")


def test_the_printed_address_is_one_a_browser_can_open():
    assert server.address("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert server.address("0.0.0.0", 80) == "http://127.0.0.1:80/"


WARM_CHECK = """
import numba
from leadsim.dashboard.server import configure, warm_up
configure()
warm_up()
from leadsim.engine import kernels
def signatures():
    return {name: len(getattr(kernels, name).signatures) for name in dir(kernels)
            if isinstance(getattr(kernels, name), numba.core.registry.CPUDispatcher)}
before = signatures()
# a first visitor: the default page's session, played and drawn
from leadsim.config import find_scenario
from leadsim.dashboard import payloads
from leadsim.dashboard.app import DEFAULT_SCENARIO
from leadsim.dashboard.session import Session, Setup
session = Session(Setup.of(find_scenario(DEFAULT_SCENARIO)))
for week in range(12):
    session.step()
    side = session.sides[0]
    payloads.series_frame(side, 0, 0, week + 1)
    payloads.network_frame(side, 0)
    payloads.radar_frame(side, 0)
after = signatures()
print(sum(before.values()), sorted(k for k in after if after[k] != before[k]))
"""


def test_the_server_readies_what_a_first_visitor_needs_before_it_serves():
    """After warm_up, a first page's weeks compile nothing more (the first waits as the tenth)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", WARM_CHECK], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    compiled, newly = done.stdout.split(" ", 1)
    assert int(compiled) > 0
    assert newly.strip() == "[]"


def test_serve_readies_the_model_before_it_prints_the_address(monkeypatch, capsys):
    import uvicorn

    from leadsim.dashboard import server

    calls = []
    monkeypatch.setattr(server, "configure", lambda: calls.append("configure"))
    monkeypatch.setattr(server, "warm_up", lambda: calls.append("warm_up") or 0.5)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: calls.append("run"))
    server.serve("127.0.0.1", 8999)
    printed = capsys.readouterr().out
    assert calls == ["configure", "warm_up", "run"]
    assert printed.index("ready in 0.5 s") < printed.index("http://127.0.0.1:8999/")
