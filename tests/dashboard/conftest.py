"""Fixtures for the dashboard's browser tests: a dashboard on localhost, and Debian's Chromium.

Every request the page makes to anything but this machine is aborted and counted,
and every response with an error status is recorded; the tests assert both are empty.
Screenshots go to ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

import chromium
from chromium import CHROMIUM
from leadsim.dashboard.server import free_port


def start_dashboard(port: int, timeout: float = 60.0) -> subprocess.Popen:
    """``leadsim dashboard --port port`` in a subprocess, once it answers HTTP."""
    process = subprocess.Popen(
        [sys.executable, "-m", "leadsim", "dashboard", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dashboard exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("dashboard did not answer within the timeout")


def stop_dashboard(process: subprocess.Popen) -> str:
    """Stop the dashboard subprocess; return what it printed."""
    process.terminate()
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


@pytest.fixture(scope="session")
def dashboard() -> Iterator[dict]:
    """A dashboard started on a free localhost port, shared by the browser test modules.

    One server for all of them: starting one costs seconds, and the load test then
    meets a server that already holds other visitors' pages, as a classroom's would.
    """
    port = free_port()
    process = start_dashboard(port)
    state = {"url": f"http://127.0.0.1:{port}/", "process": process, "output": ""}
    yield state
    state["output"] = stop_dashboard(process)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (the tests are skipped when it is not installed)."""
    if not chromium.available():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    yield chromium.launch()  # shared with the other browser tests' fixture: one Playwright
    chromium.close()
