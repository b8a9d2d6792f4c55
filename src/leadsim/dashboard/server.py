"""Serve the dashboard: Solara's Starlette app under uvicorn, offline and private.

Solara reads its settings from the environment when it is first imported, so
:func:`configure` sets them before anything imports ``solara``:

- assets come from the ``solara-assets`` package through Solara's own asset route
  (``/_solara/cdn``), and the CDN Solara would fall back to for a missing file is a
  closed port on this machine, so neither the browser nor the server reaches out;
- Solara's telemetry is off (``SOLARA_TELEMETRY_MIXPANEL_ENABLE=false``), and
  production mode skips the page's version check against solara.dev;
- an abandoned page's kernel (and with it the page's models) is freed after
  :data:`~leadsim.dashboard.limits.KERNEL_CULL_TIMEOUT`, not Solara's default day;
- at most :data:`~leadsim.dashboard.limits.MAX_LIVE_PAGES` pages are served at once;
- reacton (Solara's renderer) walks only the components whose state changed
  (``REACTON_FAST=1``): a step then costs a few milliseconds instead of a walk over
  every control of the page (``benchmarks/dashboard_bench.py``).
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from leadsim.dashboard.limits import KERNEL_CULL_TIMEOUT, MAX_LIVE_PAGES

APP_MODULE = "leadsim.dashboard.app"
# Nothing listens on the discard port: a cache miss fails at once instead of going online.
OFFLINE_CDN = "http://127.0.0.1:9/"

SETTINGS: dict[str, str] = {
    "SOLARA_APP": APP_MODULE,
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_ASSETS_CDN": OFFLINE_CDN,
    "SOLARA_KERNEL_CULL_TIMEOUT": KERNEL_CULL_TIMEOUT,
    "SOLARA_KERNEL_MAX_COUNT": str(MAX_LIVE_PAGES),
    "SOLARA_THEME_SHOW_BANNER": "false",
    "SOLARA_THEME_TITLE": "leadsim",
    "SOLARA_CHECK_HOOKS": "off",
    "REACTON_FAST": "1",
}


def configure() -> None:
    """Set Solara's environment (see the module docstring); call before importing solara."""
    if "solara.server.settings" in sys.modules:
        raise RuntimeError(
            "solara was imported before the dashboard configured it; "
            "start the dashboard with `leadsim dashboard`"
        )
    os.environ.update(SETTINGS)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now (for tests and ``--port 0``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def address(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def warm_up() -> float:
    """Ready everything a first visitor would otherwise wait for; the seconds it took.

    Loads (or compiles, once per machine) the engine's kernels, imports the page with
    Solara, and plays a few weeks of the default scenario through a page's session, so
    that the numba specialisations, the Mesa model and the frame builders a page uses
    are all ready before the address is printed: the first visitor waits no longer
    than the tenth.
    """
    import time

    started = time.perf_counter()
    import leadsim.engine.compiled  # noqa: F401 - readies every kernel on import
    from leadsim.config import find_scenario
    from leadsim.dashboard import payloads
    from leadsim.dashboard.app import DEFAULT_SCENARIO
    from leadsim.dashboard.session import Session, Setup

    session = Session(Setup.of(find_scenario(DEFAULT_SCENARIO)))
    for _ in range(3):
        session.step()
    side = session.sides[0]
    payloads.series_frame(side, 0, 0, 1)
    payloads.network_frame(side, 0)
    payloads.radar_frame(side, 0)
    payloads.multiples_frame(side, 0, 1)
    return time.perf_counter() - started


def app_server(host: str, port: int, log_level: str) -> Any:
    """Uvicorn serving the dashboard with workshop rooms mounted (``/workshop``).

    Call after :func:`configure` (the app imports solara). Before it stops, the server
    answers the rooms' waiting pages (their long polls), so that it stops at once.
    """
    import uvicorn
    from solara.server.starlette import app

    from leadsim.workshop.server import HUB, mount

    class AppServer(uvicorn.Server):
        async def shutdown(self, sockets=None) -> None:
            HUB.wake_all()
            await super().shutdown(sockets)

    config = uvicorn.Config(
        mount(app),
        host=host,
        port=port,
        log_level=log_level,
        ws_max_size=4 * 1024 * 1024,
        ws_per_message_deflate=False,  # frames are small; compressing each costs more than it saves
        timeout_graceful_shutdown=2,
    )
    return AppServer(config)


def serve(host: str = "127.0.0.1", port: int = 8765, *, log_level: str = "warning") -> None:
    """Serve the dashboard until interrupted, printing its address once it is ready."""
    configure()
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    print("leadsim dashboard: readying the model…", flush=True)
    from leadsim.warmup import warm_up as ready_kernels

    ready_kernels(sys.stdout)  # says so when it compiles, once per install
    seconds = warm_up()
    print(f"leadsim dashboard: ready in {seconds:.1f} s", flush=True)
    server = app_server(host, port, log_level)  # workshop rooms (/workshop) on it too
    print(f"leadsim dashboard: {address(host, port)}", flush=True)
    if host in ("0.0.0.0", "::"):  # noqa: S104
        print(
            "  serving on every network interface: open http://<this machine's address>:"
            f"{port}/ from the other machines",
            flush=True,
        )
    server.run()
