"""Sweep scaling: runs per second by worker count, and the coordinator's cost per run.

    uv run python benchmarks/scaling.py                  # 100,000 runs: 1, 2 and all local workers, and Dask
    uv run python benchmarks/scaling.py --quick          # 10,000 runs, to check that it works
    uv run python benchmarks/scaling.py --workers 1,2,16 --no-dask
    uv run python benchmarks/scaling.py --big 1000000 --big-only   # the memory check alone
    uv run python benchmarks/scaling.py --json FILE      # also write the figures as JSON

The same sweep (``scenario = "integrated"``, 60 staff × 156 weeks, one design point
replicated ``--runs`` times, batches of ``--batch-size`` runs, no series) goes
through :func:`leadsim.experiments.run_sweep`, the public API, once per
configuration:

- local workers: ``run_sweep(..., workers=N)`` for N = 1, 2 and all cores
  (deduplicated, or the counts of ``--workers``);
- Dask: ``run_sweep(..., executor=client.get_executor(pure=False))`` on a
  ``distributed.LocalCluster`` of all cores (one thread per worker process), as
  ``leadsim sweep --scheduler`` does. The cluster runs in a process of its own, so
  that the scheduler's CPU is not counted as the client's; it is started, and its
  workers have imported leadsim, before the clock starts, as a standing cluster
  would be. The cluster process's own CPU per run (the scheduler and the workers'
  nannies) is reported beside the client's.

Each configuration runs in a fresh subprocess of this script, so that its figures
are its own: ``getrusage(RUSAGE_SELF)`` user + system time around the ``run_sweep``
call (after importing and warming ``leadsim.experiments``) is the coordinator's CPU,
and ``ru_maxrss`` its peak resident memory (MB = 2²⁰ bytes). With pooled local
workers and with Dask the runs are simulated in other processes, so that CPU is the
coordinator's alone: expanding the design, dispatching batches, receiving and
writing results. With one local worker ``run_sweep`` simulates in its own process,
so that row's CPU includes the simulation: it is marked "(in process)" and left out
of the coordinator-CPU figures; its runs/s is still the baseline of parallel
efficiency, runs/s ÷ (workers × runs/s of one worker).

``--big N`` also runs one sweep of N runs on all local workers (the 1,000,000-run
memory check): time, runs/s, coordinator CPU per run and peak RSS, which should not
grow with the number of runs.

The Markdown table goes to stdout, progress to stderr. The targets checked are the
issue's: coordinator CPU ≤ 10 µs per run (local pool and Dask client), and the
coordinator under 1 GB on the big sweep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SEED = 20_260_501
HORIZON = 156
STAFF = 60
MARKER = "SCALING-RESULT "  # prefixes the one JSON line a measuring subprocess prints
CPU_TARGET_US = 10.0  # coordinator CPU per run, µs
RSS_TARGET_MB = 1024.0  # coordinator peak RSS on the big sweep, MB


# --- one measurement (in a fresh subprocess) ------------------------------------------------


def experiment_text(runs: int, batch_size: int) -> str:
    """The benchmark's experiment file: ``runs`` replicates of one point, no series."""
    return textwrap.dedent(
        f"""
        name = "scaling"
        scenario = "integrated"
        replicates = {runs}
        seed = {SEED}
        batch_size = {batch_size}
        horizon = {HORIZON}
        [parameters]
        n_staff = {STAFF}
        [factors]
        policy = ["integrated"]
        [output]
        every = 0
        """
    ).lstrip()


def warm(folder: Path, in_process: bool) -> None:
    """Import what ``run_sweep`` uses in the coordinator, and write one Parquet file.

    Args:
        folder: A scratch folder for the Parquet round trip.
        in_process: Also load the compiled kernels, which a one-worker sweep runs here.
    """
    import importlib

    import pandas as pd

    modules = [
        "leadsim.experiments",
        "leadsim.experiments.sweep",
        "leadsim.experiments.storage",
        "leadsim.config",
        "pyarrow",
        "pyarrow.parquet",
        "multiprocessing.forkserver",
        "concurrent.futures.process",
    ]
    if in_process:
        modules += ["scipy.stats", "leadsim.engine.compiled"]
    for name in modules:
        importlib.import_module(name)
    path = folder / "warm.parquet"
    pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}).to_parquet(path)
    pd.read_parquet(path)
    path.unlink()


def preload_worker() -> None:
    """Import on a Dask worker what a local pool's fork server preloads."""
    import importlib

    for name in ("leadsim.experiments.runner", "scipy.stats", "leadsim.engine.compiled"):
        importlib.import_module(name)


def process_cpu() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):  # pragma: no cover - not Linux
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS


def measure(args: argparse.Namespace) -> dict:
    """Run the sweep once in this process and return its figures (the ``--one`` mode).

    Args:
        args: ``one`` (``local`` or ``dask``), ``workers``, ``runs``, ``batch_size``,
            ``address`` (the Dask scheduler's) and ``scratch`` (where results go).

    Returns:
        Wall and CPU time of the ``run_sweep`` call, the coordinator's memory and
        the sweep's own summary.
    """
    workers = int(args.workers)
    in_process = args.one == "local" and workers == 1
    with tempfile.TemporaryDirectory(prefix="leadsim-scaling-", dir=args.scratch) as name:
        folder = Path(name)
        experiment = folder / "scaling.toml"
        experiment.write_text(experiment_text(args.runs, args.batch_size))
        warm(folder, in_process)
        from leadsim.experiments import run_sweep

        client = None
        options: dict = {"workers": workers}
        scheduler_cpu = None
        if args.one == "dask":
            from distributed import Client

            client = Client(args.address, timeout="60s")
            client.wait_for_workers(workers, timeout=300)
            client.run(preload_worker)
            options = {"executor": client.get_executor(pure=False)}
            scheduler_cpu = client.run_on_scheduler(process_cpu)
        gc.collect()
        rss_before = rss_mb()
        peak_before = peak_rss_mb()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        summary = run_sweep(experiment, folder / "out", **options)
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        peak = peak_rss_mb()
        if client is not None:
            scheduler_cpu = client.run_on_scheduler(process_cpu) - scheduler_cpu
            client.close()
    user = cpu_after.ru_utime - cpu_before.ru_utime
    system = cpu_after.ru_stime - cpu_before.ru_stime
    result = {
        "configuration": "Dask LocalCluster" if args.one == "dask" else "local workers",
        "kind": args.one,
        "workers": workers,
        "in_process": in_process,
        "runs": summary.runs,
        "batch_size": args.batch_size,
        "batches": summary.batches,
        "wall_s": wall,
        "sweep_seconds": summary.seconds,
        "runs_per_s": summary.runs / wall,
        "coordinator_cpu_s": user + system,
        "coordinator_user_s": user,
        "coordinator_sys_s": system,
        "coordinator_us_per_run": (user + system) / summary.runs * 1e6,
        "rss_before_mb": rss_before,
        "peak_rss_before_mb": peak_before,
        "peak_rss_mb": peak,
        "status_counts": dict(summary.status_counts),
    }
    if scheduler_cpu is not None:
        result["scheduler_cpu_s"] = scheduler_cpu
        result["scheduler_us_per_run"] = scheduler_cpu / summary.runs * 1e6
    return result


# --- the Dask cluster (a process of its own) ------------------------------------------------


def serve_dask_cluster(workers: int) -> None:
    """Start a LocalCluster, print its address on stdout, and close it when stdin closes."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    print(cluster.scheduler_address, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin (or exits)
    finally:
        cluster.close()


class DaskCluster:
    """A ``--dask-cluster`` subprocess of this script, as a context manager."""

    def __init__(self, workers: int, log: Path) -> None:
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None
        self.address = ""

    def __enter__(self) -> DaskCluster:
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--dask-cluster", str(self.workers)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log_file,
            text=True,
        )
        assert self.process.stdout is not None
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            self.__exit__(None, None, None)
            tail = self.log.read_text()[-2000:]
            raise RuntimeError(f"the Dask cluster did not start:\n{tail}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


# --- the orchestration ----------------------------------------------------------------------


def run_one(
    kind: str, workers: int, runs: int, args: argparse.Namespace, address: str = ""
) -> dict:
    """Measure one configuration in a fresh subprocess of this script.

    Args:
        kind: ``local`` or ``dask``.
        workers: Worker processes.
        runs: Runs in the sweep.
        args: The command line (batch size, scratch folder).
        address: The Dask scheduler's address, for ``dask``.

    Returns:
        The subprocess's figures, or ``error`` and its output's tail if it failed.
    """
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        kind,
        "--workers",
        str(workers),
        "--runs",
        str(runs),
        "--batch-size",
        str(args.batch_size),
    ]
    if address:
        command += ["--address", address]
    if args.scratch:
        command += ["--scratch", str(args.scratch)]
    say(f"{kind}, {workers} worker{'s' * (workers != 1)}: {runs:,} runs")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            result = json.loads(line[len(MARKER) :])
            say(
                f"  {result['wall_s']:.1f} s, {result['runs_per_s']:,.0f} runs/s, "
                f"{result['coordinator_us_per_run']:.2f} µs CPU/run, "
                f"peak RSS {result['peak_rss_mb']:.0f} MB"
            )
            return result
    tail = (done.stdout + done.stderr)[-3000:]
    say(f"  failed (exit {done.returncode}):\n{tail}")
    return {
        "configuration": "Dask LocalCluster" if kind == "dask" else "local workers",
        "kind": kind,
        "workers": workers,
        "runs": runs,
        "error": f"exit {done.returncode}: {tail.strip().splitlines()[-1] if tail.strip() else ''}",
        "output_tail": tail,
    }


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def git_commit() -> str:
    """The leadsim checkout's commit, ``+dirty`` if it has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def machine() -> dict:
    """What the figures were measured on, and when."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": cores(),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "leadsim_commit": git_commit(),
    }


def add_efficiency(rows: list[dict]) -> None:
    """Parallel efficiency of each row: runs/s ÷ (workers × runs/s of one local worker)."""
    base = next(
        (r for r in rows if r.get("kind") == "local" and r["workers"] == 1 and "error" not in r),
        None,
    )
    for row in rows:
        if base is None or "error" in row:
            row["parallel_efficiency"] = None
        else:
            row["parallel_efficiency"] = row["runs_per_s"] / (row["workers"] * base["runs_per_s"])


def table(rows: list[dict]) -> str:
    """The figures as a Markdown table."""
    head = (
        "| configuration | workers | runs | wall s | runs/s | parallel efficiency "
        "| coordinator CPU s | µs per run | peak RSS MB |\n"
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    )
    lines = [head]
    for r in rows:
        if "error" in r:
            lines.append(
                f"| {r['configuration']} | {r['workers']} | {r['runs']:,} "
                f"| failed: {r['error']} | | | | | |"
            )
            continue
        efficiency = r.get("parallel_efficiency")
        efficiency = f"{efficiency:.2f}" if efficiency is not None else "n/a"
        if r.get("in_process"):
            cpu = f"{r['coordinator_cpu_s']:.2f} (in process)"
            per_run = "(in process)"
        else:
            cpu = f"{r['coordinator_cpu_s']:.2f}"
            per_run = f"{r['coordinator_us_per_run']:.2f}"
        lines.append(
            f"| {r['configuration']} | {r['workers']} | {r['runs']:,} | {r['wall_s']:.1f} "
            f"| {r['runs_per_s']:,.0f} | {efficiency} | {cpu} | {per_run} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def checks(rows: list[dict], big: dict | None) -> list[str]:
    """The issue's targets, one line each."""
    lines = []
    for r in rows:
        if "error" in r or r.get("in_process"):
            continue
        ok = r["coordinator_us_per_run"] <= CPU_TARGET_US
        who = "client" if r["kind"] == "dask" else "coordinator"
        line = (
            f"- {r['configuration']}, {r['workers']} workers, {r['runs']:,} runs: {who} CPU "
            f"{r['coordinator_us_per_run']:.2f} µs/run (target ≤ {CPU_TARGET_US:g}): "
            f"{'met' if ok else 'NOT met'}"
        )
        if "scheduler_us_per_run" in r:
            line += (
                f"; the cluster process's own CPU (scheduler and nannies) "
                f"{r['scheduler_us_per_run']:.2f} µs/run"
            )
        lines.append(line)
    for r in [*rows, big]:
        if r is None or "error" in r:
            continue
        others = {k: v for k, v in r["status_counts"].items() if k != "ok"}
        if others or sum(r["status_counts"].values()) != r["runs"]:
            lines.append(
                f"- note: {r['configuration']}, {r['workers']} workers: run statuses "
                f"{r['status_counts']} for {r['runs']:,} runs"
            )
    if big is not None:
        if "error" in big:
            lines.append(f"- big sweep, {big['runs']:,} runs: failed: {big['error']}")
        else:
            ok = big["peak_rss_mb"] < RSS_TARGET_MB
            lines.append(
                f"- big sweep, {big['runs']:,} runs on {big['workers']} local workers: "
                f"{big['wall_s']:.1f} s ({big['wall_s'] / 60:.1f} min), "
                f"{big['runs_per_s']:,.0f} runs/s, coordinator CPU "
                f"{big['coordinator_us_per_run']:.2f} µs/run, peak RSS "
                f"{big['peak_rss_mb']:.0f} MB (target < {RSS_TARGET_MB:g}): "
                f"{'met' if ok else 'NOT met'}"
            )
    return lines


def parse_workers(text: str, all_cores: int) -> list[int]:
    """Worker counts from ``1,2,16`` (``all`` for every core), deduplicated, in order."""
    counts: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        n = all_cores if item == "all" else int(item)
        if n < 1:
            raise argparse.ArgumentTypeError(f"worker counts must be ≥ 1, not {n}")
        if n not in counts:
            counts.append(n)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Measure every configuration, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per sweep (default 100000)")
    parser.add_argument("--quick", action="store_true", help="10,000 runs, to check it works")
    parser.add_argument(
        "--workers",
        default="1,2,all",
        help="local worker counts, e.g. 1,2,16 ('all' = every core; default 1,2,all)",
    )
    parser.add_argument("--batch-size", type=int, default=100, help="runs per batch (100)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    parser.add_argument(
        "--big", type=int, default=0, help="also one sweep of N runs on all local workers"
    )
    parser.add_argument("--big-only", action="store_true", help="only the --big sweep")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--scratch", type=Path, default=None, help="folder for the sweeps' results (a temp dir)"
    )
    # internal modes: one measurement, or the Dask cluster's own process
    parser.add_argument("--one", choices=("local", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--address", default="", help=argparse.SUPPRESS)
    parser.add_argument("--dask-cluster", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.dask_cluster:
        serve_dask_cluster(args.dask_cluster)
        return 0
    runs = args.runs or (10_000 if args.quick else 100_000)
    if args.one:
        args.runs = runs
        print(MARKER + json.dumps(measure(args)), flush=True)
        return 0

    all_cores = cores()
    counts = parse_workers(args.workers, all_cores)
    if args.big_only and not args.big:
        parser.error("--big-only needs --big N")
    results: dict = {
        "machine": machine(),
        "sweep": {
            "scenario": "integrated",
            "staff": STAFF,
            "weeks": HORIZON,
            "series": False,
            "batch_size": args.batch_size,
            "runs": runs,
        },
    }
    rows: list[dict] = []
    if not args.big_only:
        rows.extend(run_one("local", n, runs, args) for n in counts)
        if not args.no_dask:
            say(f"dask: starting a LocalCluster of {all_cores} workers in its own process")
            with tempfile.TemporaryDirectory(prefix="leadsim-scaling-dask-") as logs:
                try:
                    with DaskCluster(all_cores, Path(logs) / "cluster.log") as cluster:
                        rows.append(run_one("dask", all_cores, runs, args, cluster.address))
                except RuntimeError as err:
                    say(str(err))
                    rows.append(
                        {
                            "configuration": "Dask LocalCluster",
                            "kind": "dask",
                            "workers": all_cores,
                            "runs": runs,
                            "error": "the cluster did not start",
                        }
                    )
        add_efficiency(rows)
    big = None
    if args.big:
        say(f"big sweep: {args.big:,} runs on {all_cores} local workers")
        big = run_one("local", all_cores, args.big, args)
    results["rows"] = rows
    results["big"] = big
    if hasattr(os, "getloadavg"):
        results["machine"]["load_average_at_end"] = list(os.getloadavg())

    m = results["machine"]
    load = m["load_average_at_start"]
    print(
        f"Sweep scaling: scenario integrated, {STAFF} staff × {HORIZON} weeks, no series, "
        f"batches of {args.batch_size}\n"
    )
    print(
        f"Machine: {m['cpu']}, {m['cores']} cores; load average at start "
        f"{' '.join(f'{x:.2f}' for x in load) if load else 'n/a'}; {m['date']}; "
        f"Python {m['python']}; leadsim {m['leadsim_commit']}\n"
    )
    if rows:
        results["table"] = table(rows)
        print(results["table"])
        print()
    lines = checks(rows, big)
    if lines:
        print("Targets:\n")
        print("\n".join(lines))
    results["checks"] = lines
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        say(f"wrote {args.json}")
    failed = [r for r in [*rows, big] if r is not None and "error" in r]
    return 1 if failed else 0


def say(message: str) -> None:
    """Progress on stderr, so that stdout is the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
