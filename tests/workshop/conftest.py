"""Fixtures for the workshop's tests: a room server on localhost (in a thread), and Chromium.

The server is :func:`leadsim.workshop.server.build_app` under uvicorn in this process,
so tests can open rooms through HTTP and look at them through :data:`HUB` directly.
Every request a browser page makes to anything but this machine is aborted and
counted (``chromium.Guard``).
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn

import chromium
from chromium import CHROMIUM
from leadsim.dashboard.server import free_port
from leadsim.workshop.server import HUB, build_app


@pytest.fixture(scope="session")
def workshop() -> Iterator[str]:
    """The base URL of a workshop server on a free localhost port."""
    port = free_port()
    config = uvicorn.Config(build_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/workshop/join", timeout=2):
                break
        except OSError:
            time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    """Each test starts with no rooms open (the server's rooms live in this process)."""
    for code in list(HUB.rooms):
        HUB.close(code)
    yield
    for code in list(HUB.rooms):
        HUB.close(code)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (the tests are skipped when it is not installed)."""
    if not chromium.available():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    yield chromium.launch()  # shared with the other browser tests' fixture: one Playwright
    chromium.close()


@pytest.fixture(scope="module")
def served() -> Iterator[dict]:
    """``leadsim workshop --port P`` in a subprocess (the dashboard's server, a room open).

    Yields the base URL and what the command printed up to its dashboard line.
    """
    import re
    import subprocess
    import sys

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "leadsim", "workshop", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
        lines.append(line)
        if re.match(r"\s+dashboard: ", line):
            break
    rest: list[str] = []
    threading.Thread(
        target=lambda: rest.extend(process.stdout), daemon=True
    ).start()  # never let the pipe fill
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/workshop/join", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield {"url": base, "output": "".join(lines)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
