"""What a classroom costs the dashboard's server: CPU per step, and sessions per two cores.

    uv run python benchmarks/dashboard_bench.py            # about 3 minutes on 2 cores
    uv run python benchmarks/dashboard_bench.py --quick    # fewer steps, no crowd (about 1 minute)
    uv run python benchmarks/dashboard_bench.py --crowd 30 # also 30 browsers playing at once

Three measurements (not a test: nothing here passes or fails):

1. **In-process**: the page rendered in Solara's own virtual kernel, one visitor
   stepping; server CPU (``time.process_time``) per step + update, at 60 and 500
   staff. It includes the step, the render, and serialising every message for the
   browser; the browser's acknowledgement is simulated, so each frame carries only
   the new week, as in a real page. It excludes the websocket.
2. **End to end**: ``leadsim dashboard`` in a subprocess, Debian's Chromium
   (headless) with a few pages playing at 4 weeks per second (the page's default;
   ``--speed``); the server process's CPU time per week simulated, Jupyter protocol
   and websocket included. From it, the sessions two cores can serve at that speed,
   and one core (one Python process runs Python code on one core at a time).
3. With ``--crowd N``: N pages playing at once at that speed for 30
   seconds, the server pinned to one core and the browsers to the other; the
   weeks each page showed per second against those asked, the pages' uncaught
   errors, and the server's CPU use. The N browsers
   on one core draw late and skip frames (as the dashboard lets them); the server
   keeps stepping.

Prints a Markdown table; ``--out FILE`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("REACTON_FAST", "1")  # as the server sets it (leadsim.dashboard.server)

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
PAGE_SPEED = 4.0  # weeks per second: the page's default
PLAY_SPEED = PAGE_SPEED  # what the pages play at (``--speed``)
BIG = '[parameters]\npolicy = "integrated"\nn_staff = 500\n'
# The crowd's school: the default scenario's head, run long enough that no page reaches
# the end of its run while the crowd plays (a page at its horizon stops by itself).
LONG = 'horizon = 520\n[parameters]\npolicy = "integrated"\n'


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- 1. in process ---------------------------------------------------------------------------


def in_process(n_staff: int, steps: int) -> dict:
    """Server CPU per step + update for one visitor, the page in Solara's virtual kernel."""
    import ipyvuetify as v
    import solara
    from solara.server import kernel, kernel_context

    from leadsim.dashboard.app import Page
    from leadsim.dashboard.widgets import BusWidget, UploadWidget

    context = kernel_context.VirtualKernelContext(
        id=f"bench-{n_staff}",
        kernel=kernel.Kernel(),
        session_id="bench",
        control_sockets=[],
        widgets={},
        templates={},
    )
    with context:
        _, rc = solara.render(Page(), handle_error=False)
        if n_staff != 60:
            text = f'[parameters]\npolicy = "integrated"\nn_staff = {n_staff}\n'
            rc.find(UploadWidget).widget.vue_upload({"name": "bench.toml", "text": text})
        bus = rc.find(BusWidget).widget
        button = rc.find(v.Btn, class_="leadsim-step-button").widget

        def acknowledge() -> None:  # what the browser reports after drawing a frame
            frame = json.loads(bus.frame)
            have = {}
            for chart, part in frame["charts"].items():
                data = part.get("frame", {})
                if "rows" in data:
                    have[chart] = [data["token"], data["start"] + len(data["rows"])]
            bus.vue_frame_drawn({"seq": frame["seq"], "have": have})  # as the page does

        for _ in range(5):
            button.click()
            acknowledge()
        times = []
        for _ in range(steps):
            start = time.process_time()
            button.click()
            times.append(time.process_time() - start)
            acknowledge()
        frame_bytes = len(bus.frame)
        rc.close()
    return {
        "staff": n_staff,
        "steps": steps,
        "cpu_ms_mean": 1000 * statistics.fmean(times),
        "cpu_ms_median": 1000 * statistics.median(times),
        "frame_bytes": frame_bytes,
    }


# --- 2. and 3. end to end ----------------------------------------------------------------------


def free_port() -> int:
    from leadsim.dashboard.server import free_port as pick

    return pick()


def start_server(port: int, cores: set[int] | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "leadsim", "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
    )
    for _ in range(1500):  # up to 5 minutes: a first start compiles the kernels
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the dashboard did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def week_of(page) -> int:
    text = page.inner_text(".leadsim-step-counter")
    return int(text.split()[1])


def settled_week(page, timeout: float = 60.0) -> int:
    """The page's week once the last frame after a pause has been drawn."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = week_of(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > 2.0:
            break
        time.sleep(0.25)
    return last


def open_pages(browser, url: str, count: int, scenario_file: str | None) -> list:
    """``count`` pages at ``url``, each set to :data:`PLAY_SPEED`; each keeps its page errors."""
    pages = []
    for _ in range(count):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route(
            "**/*",
            lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort(),
        )
        page = context.new_page()
        page.errors = []  # uncaught exceptions in the page (Playwright's "pageerror")
        page.on("pageerror", lambda error, page=page: page.errors.append(str(error)))
        page.goto(url, wait_until="commit")
        pages.append(page)
    for page in pages:
        page.wait_for_selector(".leadsim-step-counter", timeout=180_000)
        if scenario_file:
            page.set_input_files(".leadsim-upload-input", scenario_file)
            page.wait_for_function(
                "() => document.querySelector('.leadsim-step-counter').textContent.startsWith('Week 0')"
            )
        presses = round((PAGE_SPEED - PLAY_SPEED) / 0.5)  # the slider moves 0.5 a key press
        if presses:
            page.locator(".leadsim-speed .v-slider-thumb").focus()
            for _ in range(abs(presses)):
                page.keyboard.press("ArrowLeft" if presses > 0 else "ArrowRight")
        page.wait_for_function(
            f"() => document.querySelector('.leadsim-speed').textContent"
            f".includes('second: {PLAY_SPEED:g}')"
        )
    return pages


# The week the page shows (the live bus's, as the counter and run.vue's Pause read it),
# then a click on Pause, in the same task: no frame can land between the two.
PAUSE_ON_SHOWN_WEEK = """() => {
  const week = window.leadsim.bus.status.week;
  document.querySelector('.leadsim-play-button').click();
  return week;
}"""


def play(pages, seconds: float, pid: int) -> dict:
    """All pages play for about ``seconds``: the weeks each page showed, and server CPU used.

    A page's rate is the weeks its counter advanced between its Play click and its
    Pause click, over that time: what the visitor saw, against the :data:`PLAY_SPEED`
    weeks a second they asked for. After Pause each page must settle on the week it
    showed when Pause was clicked (the dashboard stops on the week shown).
    """
    before = [week_of(page) for page in pages]
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    started = []
    for page in pages:
        page.click(".leadsim-play-button", no_wait_after=True)
        started.append(time.monotonic())
    time.sleep(seconds)
    shown, stopped = [], []
    for page in pages:  # read the week shown and click Pause in one task of the page
        shown.append(page.evaluate(PAUSE_ON_SHOWN_WEEK))
        stopped.append(time.monotonic())
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    settled = [settled_week(page) for page in pages]
    weeks = [w - b for w, b in zip(shown, before, strict=True)]
    rates = [w / (stop - start) for w, start, stop in zip(weeks, started, stopped, strict=True)]
    return {
        "sessions": len(pages),
        "speed_asked": PLAY_SPEED,
        "seconds": elapsed,
        "weeks": sum(weeks),
        "weeks_per_second_each": rates,
        "share_of_asked_min": min(rates) / PLAY_SPEED,
        "paused_off_the_week_shown": sum(s != w for s, w in zip(settled, shown, strict=True)),
        "weeks_shown_at_pause": shown,
        "weeks_settled_after_pause": settled,
        "page_errors": sum(len(page.errors) for page in pages),
        "server_cpu_seconds": cpu,
        "server_cpu_share": cpu / elapsed,
        "cpu_ms_per_week": 1000 * cpu / max(1, sum(weeks)),
    }


def launch(playwright, cores: set[int] | None = None):
    """Debian's Chromium; with ``cores``, it and every page it opens run only there."""
    if cores:
        os.sched_setaffinity(0, cores)  # the browser inherits the driver's affinity
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def end_to_end(quick: bool, crowd: int, pin: bool = True) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {}
    big = Path(tempfile.mkstemp(suffix=".toml")[1])
    big.write_text(BIG)
    port = free_port()
    server = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            seconds = 10 if quick else 20
            for staff, scenario in ((60, None), (500, str(big))):
                log(f"end to end: 3 pages of {staff} staff playing for {seconds} s")
                pages = open_pages(browser, url, 3, scenario)
                results[f"playing_{staff}"] = play(pages, seconds, server.pid)
                for page in pages:
                    page.context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        big.unlink()
    if crowd and (os.cpu_count() or 1) >= (2 if pin else 1):
        where = "server on core 0, browsers on the rest" if pin else "unpinned"
        log(f"crowd: {crowd} pages of 60 staff playing for 30 s ({where})")
        everything = os.sched_getaffinity(0)
        port = free_port()
        server = start_server(port, {0} if pin else None)
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright, (everything - {0}) if pin else None)
                long = Path(tempfile.mkstemp(suffix=".toml")[1])
                long.write_text(LONG)
                pages = open_pages(browser, f"http://127.0.0.1:{port}/", crowd, str(long))
                long.unlink()
                results["crowd"] = play(pages, 30, server.pid)
                results["crowd"]["pinned"] = pin
                browser.close()
        finally:
            os.sched_setaffinity(0, everything)
            server.terminate()
            server.wait(timeout=20)
    return results


def table(figures: dict) -> str:
    lines = ["| measurement | figure |", "|---|---|"]
    for row in figures["in_process"]:
        lines.append(
            f"| in-process, {row['staff']} staff: server CPU per step + update | "
            f"{row['cpu_ms_mean']:.1f} ms (median {row['cpu_ms_median']:.1f} ms; "
            f"bus frame {row['frame_bytes']} bytes) |"
        )
    e2e = figures.get("end_to_end", {})
    for staff in (60, 500):
        run = e2e.get(f"playing_{staff}")
        if run:
            lines.append(
                f"| end to end, {staff} staff, 3 pages playing: server CPU per week | "
                f"{run['cpu_ms_per_week']:.1f} ms |"
            )
    run = e2e.get("playing_60")
    if run:
        per_session = PLAY_SPEED * run["cpu_ms_per_week"] / 1000  # CPU seconds per second
        lines.append(
            f"| sessions at {PLAY_SPEED:g} weeks/s, 60 staff, that 2 cores can serve | "
            f"{int(2 / per_session)} (one core, one Python process: {int(1 / per_session)}) |"
        )
    crowd = e2e.get("crowd")
    if crowd:
        rates = crowd["weeks_per_second_each"]
        lines.append(
            f"| {crowd['sessions']} pages playing at once at {crowd['speed_asked']:g} weeks/s, "
            f"{'server on one core, browsers on the other' if crowd['pinned'] else 'unpinned'} | {min(rates):.2f}–{max(rates):.2f} weeks/s each "
            f"(at least {100 * crowd['share_of_asked_min']:.0f} % of those asked); "
            f"{crowd['page_errors']} page errors; pauses off the week shown: "
            f"{crowd['paused_off_the_week_shown']}; server CPU "
            f"{100 * crowd['server_cpu_share']:.0f} % of its core |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, shorter runs")
    parser.add_argument("--crowd", type=int, default=0, help="also N pages playing at once")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--speed", type=float, default=PAGE_SPEED, help="weeks per second the pages play at"
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="crowd: leave the server and the browsers on every core (default: server on "
        "core 0, browsers on the others, as if each student had their own machine)",
    )
    args = parser.parse_args()
    global PLAY_SPEED
    PLAY_SPEED = args.speed
    steps = 60 if args.quick else 200
    figures: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    log("in-process: 60 and 500 staff")
    figures["in_process"] = [in_process(60, steps), in_process(500, steps)]
    if Path(CHROMIUM).exists():
        figures["end_to_end"] = end_to_end(args.quick, args.crowd, not args.no_pin)
    else:
        log(f"{CHROMIUM} not found: end-to-end measurements skipped")
    print(table(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
