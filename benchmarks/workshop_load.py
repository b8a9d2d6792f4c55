"""Load test of a workshop room: 12 seats and 30 observers on one 2-core server.

Starts ``leadsim workshop --schools 12`` in a subprocess pinned to two cores, opens
in Debian's Chromium a facilitator page, 12 participant pages (each its own context,
as each its own phone) and 30 observer pages, and plays terms of 4 weeks: every
participant decides on their page; the last decision runs the term. Each page
records (in the page) when it first shows the new week; the lag of a page is that
moment minus the moment the last decision was sent. Prints JSON, and writes it to
``benchmarks/workshop-load-2cores.json`` with ``--write``.

    uv run python benchmarks/workshop_load.py [--terms 5] [--observers 30] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEATS = 12
TERM_WEEKS = 4
# Each page notes when it first shows each week (the pages set body[data-week]).
LOG: list[str] = []  # what the server printed after starting
RECORD_WEEKS = """
window.__seen = {};
new MutationObserver(() => {
  const week = document.body && document.body.dataset.week;
  if (week !== undefined && !(week in window.__seen)) window.__seen[week] = Date.now();
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-week']});
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(cores: set[int]) -> tuple[subprocess.Popen, str, str, str]:
    from leadsim.dashboard.server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "leadsim", "workshop", "--schools", str(SEATS), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, cores),
    )
    out = ""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and "dashboard:" not in out:
        out += process.stdout.readline()
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/workshop/join", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    drain = threading.Thread(target=lambda: LOG.extend(process.stdout), daemon=True)
    drain.start()  # keep reading: a full pipe would block the server
    code = re.search(r"room code: (\w+)", out).group(1)
    facilitator = re.search(r"facilitator.*: (http\S+)", out).group(1)
    return process, base, code, facilitator


def run(terms: int, observers: int) -> dict:
    from playwright.sync_api import sync_playwright

    cores = set(sorted(os.sched_getaffinity(0))[:2])
    process, base, code, facilitator_url = start_server(cores)
    errors: list[str] = []
    failed: list[str] = []
    external: list[str] = []

    def guard(context) -> None:
        def route(r):
            if r.request.url.startswith(base):
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        context.on("response", lambda resp: resp.status >= 400 and failed.append(resp.url))
        context.add_init_script(RECORD_WEEKS)

    def watch(page) -> None:
        page.on("pageerror", lambda error: errors.append(str(error)))

    cpu_before = cpu_seconds(process.pid)
    started = time.monotonic()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            contexts, participants, watchers = [], [], []
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            guard(context)
            contexts.append(context)
            facilitator = context.new_page()
            watch(facilitator)
            facilitator.goto(facilitator_url)
            for k in range(SEATS):
                context = browser.new_context(viewport={"width": 390, "height": 844})
                guard(context)
                contexts.append(context)
                page = context.new_page()
                watch(page)
                page.goto(f"{base}/workshop/join?code={code}")
                page.fill("#name", f"Head {k}")
                page.click("#join")
                participants.append(page)
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            guard(context)
            contexts.append(context)
            for _ in range(observers):
                page = context.new_page()
                watch(page)
                page.goto(f"{base}/workshop/watch/{code}", wait_until="commit")
                watchers.append(page)
            pages = [facilitator, *participants, *watchers]
            for page in pages:
                page.wait_for_function("() => document.body.dataset.week === '0'", timeout=120_000)
            facilitator.click("#start")
            lags_per_term = []
            for term in range(terms):
                week = TERM_WEEKS * (term + 1)
                for k, page in enumerate(participants[:-1]):
                    page.click(f".choice[data-choice={('raise', 'hold', 'lower')[(k + term) % 3]}]")
                    page.click("#decide")
                for page in participants[:-1]:
                    page.wait_for_function(
                        "() => document.getElementById('decided').textContent.startsWith('Decided')"
                    )
                last = participants[-1]
                sent = time.time() * 1000
                last.click("#decide")
                lags = []
                for page in pages:
                    page.wait_for_function(
                        "(w) => window.__seen && window.__seen[w] !== undefined",
                        arg=str(week),
                        timeout=60_000,
                    )
                    seen = page.evaluate("(w) => window.__seen[w]", str(week))
                    lags.append((seen - sent) / 1000)
                lags_per_term.append(lags)
            wall = time.monotonic() - started
            for context in contexts:
                context.close()
            browser.close()
    finally:
        cpu = cpu_seconds(process.pid) - cpu_before
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        if LOG:
            print("server said:", "".join(LOG[-20:]), file=sys.stderr)
    every = [lag for lags in lags_per_term for lag in lags]
    return {
        "what": "one room, 12 seats + observers, terms of 4 weeks, leadsim workshop on 2 cores",
        "machine": {
            "cpus": os.cpu_count(),
            "server_cores": sorted(cores),
            "python": platform.python_version(),
        },
        "seats": SEATS,
        "observers": observers,
        "pages": 1 + SEATS + observers,
        "terms": terms,
        "term_weeks": TERM_WEEKS,
        "max_lag_s_per_term": [round(max(lags), 3) for lags in lags_per_term],
        "median_lag_s": round(statistics.median(every), 3),
        "max_lag_s": round(max(every), 3),
        "pages_current_within_1s": all(lag < 1.0 for lag in every),
        "page_errors": errors,
        "error_responses": failed,
        "external_requests": external,
        "server_cpu_s": round(cpu, 2),
        "wall_s": round(wall, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=5)
    parser.add_argument("--observers", type=int, default=30)
    parser.add_argument(
        "--write", action="store_true", help="write benchmarks/workshop-load-2cores.json"
    )
    args = parser.parse_args()
    result = run(args.terms, args.observers)
    text = json.dumps(result, indent=2)
    print(text)
    if args.write:
        (HERE / "workshop-load-2cores.json").write_text(text + "\n")
    ok = result["pages_current_within_1s"] and not (
        result["page_errors"] or result["error_responses"] or result["external_requests"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
