"""What the engine buys: leadsim's engine against a plain-Mesa reference, in one process run.

    uv run python benchmarks/run.py [--quick] [--out FILE] [--profile]

Measures, engine and reference side by side, every speed as a ratio to the reference:

- agent-steps per second of one run at 60, 1,000, 10,000 and 100,000 staff;
- sweep throughput: runs per second for 10,000 runs of 60 staff × 156 weeks, the
  engine batched on all cores against the reference one run at a time on all cores
  (the reference measured on a sample of runs and extrapolated);
- memory per staff member at 100,000 staff;
- dashboard step + render time at 60 and 500 staff;

then prints a Markdown table, checks the targets of issue 5 and writes the figures
as JSON. ``--quick`` is a smaller run to check that everything works (its figures
are noisier and its sweep smaller). ``--profile`` also profiles the engine with
cProfile on one 1,000-staff run and on one batch of 1,000 runs × 60 staff.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import multiprocessing
import os
import platform
import pstats
import sys
import tempfile
import textwrap
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import sparse

from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import summaries_of
from leadsim.params import Parameters

HERE = Path(__file__).resolve().parent
SIZES = (60, 1_000, 10_000, 100_000)
HORIZON = 156
SWEEP_STAFF = 60
BASE_SEED = 20_260_501
TARGETS = {
    "engine_ratio_1000": 30.0,  # engine ≥ 30× the reference at 1,000 staff
    "sweep_ratio": 100.0,  # batched sweeps ≥ 100× the reference per run at 60 staff
    "sweep_seconds": 60.0,  # 10,000 runs of 60 staff × 156 weeks in ≤ 60 s
    "state_bytes_per_staff": 200.0,  # at 100,000 staff
}


# --- one run -----------------------------------------------------------------------------


def time_engine(n_staff: int, steps: int, repeats: int) -> dict:
    """Set-up and stepping time of one engine run (the best of ``repeats``, as timeit)."""
    setups, runs, cpus = [], [], []
    for r in range(repeats):
        started = time.perf_counter()
        engine = Engine([RunSpec(Parameters(n_staff=n_staff), BASE_SEED + r)])
        built, cpu = time.perf_counter(), time.process_time()
        engine.run(steps)
        runs.append(time.perf_counter() - built)
        cpus.append(time.process_time() - cpu)
        setups.append(built - started)
        del engine
        gc.collect()
    return timing(n_staff, steps, repeats, setups, runs, cpus)


def time_reference(n_staff: int, steps: int, repeats: int) -> dict:
    """Set-up and stepping time of one reference run (the best of ``repeats``, as timeit)."""
    from reference import ReferenceModel

    setups, runs, cpus = [], [], []
    for r in range(repeats):
        started = time.perf_counter()
        model = ReferenceModel(Parameters(n_staff=n_staff), rng=BASE_SEED + r)
        built, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            model.step()
        runs.append(time.perf_counter() - built)
        cpus.append(time.process_time() - cpu)
        setups.append(built - started)
        del model
        gc.collect()
    return timing(n_staff, steps, repeats, setups, runs, cpus)


def timing(n_staff: int, steps: int, repeats: int, setups: list, runs: list, cpus: list) -> dict:
    """Best-of-repeats figures of one run: wall time, and CPU time (blind to other processes)."""
    return {
        "staff": n_staff,
        "steps": steps,
        "repeats": repeats,
        "setup_s": min(setups),
        "run_s": min(runs),
        "cpu_s": min(cpus),
        "agent_steps_per_s": n_staff * steps / min(runs),
        "agent_steps_per_cpu_s": n_staff * steps / min(cpus),
    }


def single_runs(quick: bool) -> list[dict]:
    """Agent-steps per second at each size, engine and reference, and their ratio."""
    # (engine weeks, engine repeats, reference weeks or 0 for none, reference repeats)
    plan = {
        60: (HORIZON, 7, HORIZON, 7),
        1_000: (HORIZON, 5, HORIZON, 3) if not quick else (HORIZON, 3, 26, 1),
        10_000: (HORIZON, 3, 12, 2) if not quick else (26, 1, 3, 1),
        100_000: (HORIZON, 2, 3, 1) if not quick else (12, 1, 0, 0),
    }
    rows = []
    for n_staff in SIZES:
        engine_steps, engine_repeats, reference_steps, reference_repeats = plan[n_staff]
        say(f"one run, {n_staff:,} staff: engine")
        engine = time_engine(n_staff, engine_steps, engine_repeats)
        reference = matched = None
        if reference_steps:
            say(f"one run, {n_staff:,} staff: reference")
            reference = time_reference(n_staff, reference_steps, reference_repeats)
            # the ratio compares the same weeks: early weeks see fewer acts than later ones
            matched = (
                engine
                if reference_steps == engine_steps
                else time_engine(n_staff, reference_steps, max(reference_repeats, 3))
            )
        ratio = cpu_ratio = None
        if reference:
            ratio = matched["agent_steps_per_s"] / reference["agent_steps_per_s"]
            cpu_ratio = matched["agent_steps_per_cpu_s"] / reference["agent_steps_per_cpu_s"]
        rows.append(
            {
                "staff": n_staff,
                "engine": engine,
                "engine_same_weeks": matched,
                "reference": reference,
                "ratio": ratio,
                "cpu_ratio": cpu_ratio,
            }
        )
    return rows


# --- sweeps -------------------------------------------------------------------------------


def engine_chunk(seeds: list[int], horizon: int) -> tuple[int, float]:
    """Simulate one batch of runs together, with summaries: (runs, CPU s); top-level for pools."""
    cpu = time.process_time()
    params = Parameters(n_staff=SWEEP_STAFF)
    engine = Engine([RunSpec(params, seed) for seed in seeds])
    engine.run(horizon)
    summaries = summaries_of(engine)
    return int(summaries["reverted"].size), time.process_time() - cpu


def reference_run(seed: int, horizon: int) -> tuple[int, float]:
    """One reference run and its summaries: (runs, CPU s); top-level for pools."""
    from reference import run_parameters

    cpu = time.process_time()
    done = len(run_parameters(Parameters(n_staff=SWEEP_STAFF), seed, horizon))
    return done, time.process_time() - cpu


def pool_context(*preload: str):
    """Workers from a fork server that has imported the engine (and ``preload``) once.

    This module imports the reference (and Mesa, seconds to import) only where it is
    used, so that the engine's workers, which re-import it, start quickly.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["leadsim.engine", "scipy.stats", "leadsim.engine.compiled", *preload]
    )
    return context


def warm_fork_server() -> float:
    """Start the fork server that every pool of this process forks from, imports done: seconds.

    The server imports leadsim, the experiments runner and the reference (Mesa) once;
    the sweeps' pools then start without those seconds of imports.
    """
    # the fork server of Python 3.12 does not take this process's sys.path: give it ours
    paths = [str(HERE), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    started = time.perf_counter()
    context = pool_context("leadsim.experiments.runner", "reference")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assert pool.submit(abs, -1).result() == 1
    return time.perf_counter() - started


def sweep_engine(runs: int, chunk: int, workers: int) -> dict:
    """Wall time of ``runs`` engine runs in batches of ``chunk`` on ``workers`` processes."""
    seeds = [BASE_SEED + i for i in range(runs)]
    chunks = [seeds[k : k + chunk] for k in range(0, runs, chunk)]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        results = list(pool.map(engine_chunk, chunks, [HORIZON] * len(chunks)))
    seconds = time.perf_counter() - started
    assert sum(done for done, _ in results) == runs
    cpu = sum(cpu for _, cpu in results)
    return {
        "runs": runs,
        "batch": chunk,
        "workers": workers,
        "wall_s": seconds,
        "cpu_s_per_run": cpu / runs,
    }


def sweep_experiments(runs: int, chunk: int, workers: int) -> dict | None:
    """Wall time of the same sweep through ``leadsim.experiments.run_sweep`` (Parquet, resumable)."""
    try:
        from leadsim.experiments import run_sweep
    except ImportError:
        return None
    text = f"""
        name = "benchmark"
        scenario = "integrated"
        replicates = {runs}
        seed = {BASE_SEED}
        batch_size = {chunk}
        horizon = {HORIZON}
        [parameters]
        n_staff = {SWEEP_STAFF}
        [factors]
        policy = ["integrated"]
        [output]
        every = 0
        """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "benchmark.toml"
        path.write_text(textwrap.dedent(text).lstrip())
        started = time.perf_counter()
        try:
            summary = run_sweep(path, Path(folder) / "out", workers=workers)
        except Exception as err:  # the experiments package is young: report, don't fail
            return {"runs": runs, "error": f"{type(err).__name__}: {err}"}
        seconds = time.perf_counter() - started
    return {
        "runs": runs,
        "batch": chunk,
        "workers": workers,
        "wall_s": seconds,
        "statuses": summary.status_counts,
    }


def sweep_reference(sample: int, workers: int) -> dict:
    """Wall time of ``sample`` reference runs, one at a time on ``workers`` processes."""
    seeds = [BASE_SEED + i for i in range(sample)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        # start every worker first: extrapolated to 10,000 runs, start-up is negligible
        list(pool.map(time.sleep, [0.2] * workers))
        started = time.perf_counter()
        results = list(pool.map(reference_run, seeds, [HORIZON] * sample, chunksize=4))
        seconds = time.perf_counter() - started
    assert sum(done for done, _ in results) == sample
    cpu = sum(cpu for _, cpu in results)
    return {"runs": sample, "workers": workers, "wall_s": seconds, "cpu_s_per_run": cpu / sample}


def sweeps(quick: bool, workers: int) -> dict:
    """Sweep throughput of the engine (batched) and the reference (one run at a time)."""
    runs = 1_000 if quick else 10_000
    chunk = 500
    say("sweep: starting the fork server (imports leadsim and the reference once)")
    warm = warm_fork_server()
    say(f"sweep: {runs:,} engine runs in batches of {chunk} on {workers} workers")
    engine = sweep_engine(runs, chunk, workers)
    say("sweep: the same through leadsim.experiments.run_sweep")
    experiments = sweep_experiments(runs, chunk, workers)
    sample = 20 if quick else 100
    say(f"sweep: {sample} reference runs, one at a time on {workers} workers")
    reference = sweep_reference(sample, workers)
    reference_rate = reference["runs"] / reference["wall_s"]
    engine["runs_per_s"] = engine["runs"] / engine["wall_s"]
    engine["ratio"] = engine["runs_per_s"] / reference_rate
    engine["cpu_ratio"] = reference["cpu_s_per_run"] / engine["cpu_s_per_run"]
    if experiments and "wall_s" in experiments:
        experiments["runs_per_s"] = experiments["runs"] / experiments["wall_s"]
        experiments["ratio"] = experiments["runs_per_s"] / reference_rate
    reference["runs_per_s"] = reference_rate
    reference["extrapolated_runs"] = 10_000
    reference["extrapolated_wall_s"] = 10_000 / reference_rate
    engine["extrapolated_wall_s_10000"] = 10_000 / engine["runs_per_s"]
    return {
        "staff": SWEEP_STAFF,
        "weeks": HORIZON,
        "engine": engine,
        "experiments": experiments,
        "reference": reference,
        "fork_server_start_s": warm,
    }


# --- memory ----------------------------------------------------------------------------------


def array_bytes(value: object) -> int:
    """Bytes held by numpy arrays in ``value`` (an array, a sparse matrix or a parameter table)."""
    if isinstance(value, np.ndarray):
        return value.nbytes if value.dtype != object else value.size * 8
    if sparse.issparse(value):
        return value.data.nbytes + value.indices.nbytes + value.indptr.nbytes
    if hasattr(value, "values") and hasattr(value, "_staff"):  # the engine's ParamTable
        held = [*value.values.values(), *value._staff.values()]
        return sum(v.nbytes for v in held if isinstance(v, np.ndarray))
    return 0


def engine_memory(n_staff: int) -> dict:
    """State bytes per staff member (Σ nbytes) and tracemalloc figures, at ``n_staff``."""
    import leadsim.engine.compiled  # noqa: F401  (kernels loaded before tracing: not state)

    gc.collect()
    tracemalloc.start()
    engine = Engine([RunSpec(Parameters(n_staff=n_staff), BASE_SEED)])
    traced_built = tracemalloc.get_traced_memory()[0]
    engine.step()  # lazily gathered parameters and first records exist from here on
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    engine.step()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    parts = {
        name: array_bytes(value)
        for name, value in vars(engine).items()
        if name != "records" and array_bytes(value)
    }
    state = sum(parts.values())
    largest = dict(sorted(parts.items(), key=lambda item: -item[1])[:12])
    return {
        "staff": n_staff,
        "state_bytes": state,
        "state_bytes_per_staff": state / n_staff,
        "traced_after_setup_per_staff": traced_built / n_staff,
        "traced_before_step_per_staff": before / n_staff,
        "traced_after_step_per_staff": after / n_staff,
        "step_peak_per_staff": peak / n_staff,
        "step_temporaries_per_staff": (peak - before) / n_staff,
        "largest_arrays_bytes_per_staff": {k: v / n_staff for k, v in largest.items()},
    }


def reference_memory(n_staff: int) -> dict:
    """Bytes per staff member that the reference model allocates (tracemalloc), at ``n_staff``."""
    from reference import ReferenceModel

    gc.collect()
    tracemalloc.start()
    model = ReferenceModel(Parameters(n_staff=n_staff), rng=BASE_SEED)
    model.step()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del model
    return {
        "staff": n_staff,
        "traced_per_staff": current / n_staff,
        "peak_per_staff": peak / n_staff,
    }


# --- dashboard -------------------------------------------------------------------------------


def dashboard(quick: bool) -> dict:
    """Dashboard step + frame time at 60 and 500 staff: what the server does each week.

    A week of the dashboard is ``Side.step()`` (the Mesa model and the reversion
    watch) and the frames sent to the browser (series, organisation view, ASERT
    radar), built and serialised to JSON. The browser's drawing is not measured here.
    """
    try:
        from leadsim.config import find_scenario
        from leadsim.dashboard import payloads
        from leadsim.dashboard.session import Side
    except ImportError as err:
        return {"present": False, "note": f"n/a (dashboard not present: {err})", "rows": []}
    weeks = 26 if quick else HORIZON
    rows = []
    try:
        warm = Side(find_scenario("integrated"))  # first-use imports and caches
        for week in range(2):
            warm.step()
            json.dumps(
                [payloads.series_frame(warm, 0, week, week), payloads.network_frame(warm, 0)]
            )
        for n_staff in (60, 500):
            side = Side(find_scenario("integrated").with_changes(n_staff=n_staff))
            started = time.perf_counter()
            specs = [
                payloads.series_spec(side, 0),
                payloads.network_spec(side, 0),
                payloads.radar_spec(side, 0),
            ]
            json.dumps(specs)
            spec_s = time.perf_counter() - started
            step_s = frame_s = 0.0
            for week in range(weeks):
                started = time.perf_counter()
                side.step()
                stepped = time.perf_counter()
                frames = [
                    payloads.series_frame(side, 0, week, week + 1),
                    payloads.network_frame(side, 0),
                    payloads.radar_frame(side, 0),
                    payloads.series_marks(side, 0),
                ]
                json.dumps(frames)
                step_s += stepped - started
                frame_s += time.perf_counter() - stepped
            rows.append(
                {
                    "staff": n_staff,
                    "weeks": weeks,
                    "spec_once_ms": 1000 * spec_s,
                    "step_ms": 1000 * step_s / weeks,
                    "frame_ms": 1000 * frame_s / weeks,
                    "total_ms": 1000 * (step_s + frame_s) / weeks,
                }
            )
    except Exception as err:  # the dashboard is young: report, don't fail
        return {"present": True, "note": f"n/a ({type(err).__name__}: {err})", "rows": rows}
    return {
        "present": True,
        "note": "server side: Side.step() + frames built and JSON-encoded; browser drawing not measured",
        "rows": rows,
    }


# --- profile -----------------------------------------------------------------------------------


def profile_engine(runs: int, n_staff: int, top: int = 15) -> dict:
    """cProfile of ``runs`` runs of ``n_staff`` staff × 156 weeks in one engine.

    The runs share one :class:`Parameters`, as a sweep's replicates do. Returns the
    functions with the most own time, and leadsim's functions by cumulative time.
    """
    params = Parameters(n_staff=n_staff)
    profiler = cProfile.Profile()
    profiler.enable()
    engine = Engine([RunSpec(params, BASE_SEED + i) for i in range(runs)])
    engine.run(HORIZON)
    summaries_of(engine)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = []
    for (path, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        where = f"{Path(path).name}:{line}({name})" if line else name
        rows.append((own, cumulative, calls, where, "leadsim" in path))

    def listing(chosen: list) -> list[dict]:
        return [
            {
                "function": where,
                "calls": calls,
                "own_s": own,
                "own_share": own / total,
                "cumulative_s": cumulative,
                "cumulative_share": cumulative / total,
            }
            for own, cumulative, calls, where, _ in chosen
        ]

    by_own = sorted(rows, key=lambda row: -row[0])[:top]
    by_cumulative = sorted((row for row in rows if row[4]), key=lambda row: -row[1])[:top]
    return {
        "runs": runs,
        "staff": n_staff,
        "total_s": total,
        "top_own": listing(by_own),
        "leadsim_cumulative": listing(by_cumulative),
    }


# --- report ------------------------------------------------------------------------------------


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import mesa
    import scipy

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": cores(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def check_targets(results: dict) -> list[dict]:
    """Each target of issue 5: the figure measured and whether it is met."""
    at_1000 = next(row for row in results["single_runs"] if row["staff"] == 1_000)
    sweep = results["sweep"]["engine"]
    memory = results["memory"]["engine"]
    full = sweep["runs"] >= 10_000
    return [
        {
            "target": "engine ≥ 30× the reference at 1,000 staff (one run)",
            "measured": at_1000["ratio"],
            "text": f"{at_1000['ratio']:.1f}× (CPU time: {at_1000['cpu_ratio']:.1f}×)",
            "met": at_1000["ratio"] >= TARGETS["engine_ratio_1000"],
        },
        {
            "target": "batched sweep ≥ 100× the reference per run (60 staff)",
            "measured": sweep["ratio"],
            "text": f"{sweep['ratio']:.0f}× (CPU time: {sweep['cpu_ratio']:.0f}×)",
            "met": sweep["ratio"] >= TARGETS["sweep_ratio"],
        },
        {
            "target": "10,000 runs of 60 staff × 156 weeks in ≤ 60 s",
            "measured": sweep["wall_s"] if full else sweep["extrapolated_wall_s_10000"],
            "text": (
                f"{sweep['wall_s']:.1f} s"
                if full
                else f"{sweep['extrapolated_wall_s_10000']:.1f} s (extrapolated from {sweep['runs']:,})"
            ),
            "met": (sweep["wall_s"] if full else sweep["extrapolated_wall_s_10000"])
            <= TARGETS["sweep_seconds"],
        },
        {
            "target": "≤ 200 bytes of state per staff member at 100,000 staff",
            "measured": memory["state_bytes_per_staff"],
            "text": f"{memory['state_bytes_per_staff']:.0f} B",
            "met": memory["state_bytes_per_staff"] <= TARGETS["state_bytes_per_staff"],
        },
    ]


def fmt(value: float | None, digits: int = 3) -> str:
    """A number in a table cell: significant digits with thousands separators."""
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def load(value: float | None) -> str:
    """A load average in the table's header."""
    return "unknown" if value is None else f"{value:.1f}"


def ratio_text(ratio: float | None) -> str:
    """A ratio in a table cell."""
    return "—" if ratio is None else f"{ratio:.1f}×"


def render(results: dict) -> str:
    """The Markdown table of every figure."""
    info = results["machine"]
    lines = [
        f"leadsim benchmarks — {info['date']}, {info['cpu']}, {info['cores']} cores, "
        f"Python {info['python']}, numpy {info['numpy']}, Mesa {info['mesa']}"
        + (" — QUICK RUN (smaller, noisier)" if results["quick"] else ""),
        "",
        f"Load average (1 min) at start {load(info.get('load_average_at_start'))}, at end "
        f"{load(info.get('load_average_at_end'))}: above 0 means other processes shared the cores.",
        "",
        "One run (integrated policy, quick fix; stepping time, set-up excluded)",
        "",
        "| staff | engine weeks | engine agent-steps/s | engine set-up s "
        "| reference weeks | reference agent-steps/s | reference set-up s "
        "| ratio (same weeks) | ratio, CPU time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["single_runs"]:
        e, r = row["engine"], row["reference"]
        lines.append(
            f"| {row['staff']:,} | {e['steps']} | {fmt(e['agent_steps_per_s'])} "
            f"| {fmt(e['setup_s'])} | {r['steps'] if r else '—'} "
            f"| {fmt(r['agent_steps_per_s']) if r else 'not run'} "
            f"| {fmt(r['setup_s']) if r else '—'} "
            f"| {ratio_text(row['ratio'])} | {ratio_text(row['cpu_ratio'])} |"
        )
    sweep = results["sweep"]
    e, x, r = sweep["engine"], sweep["experiments"], sweep["reference"]
    lines += [
        "",
        f"Sweep: runs of {sweep['staff']} staff × {sweep['weeks']} weeks on all "
        f"{e['workers']} cores (wall time, pool start-up included)",
        "",
        "| how | runs | wall s | runs/s | CPU ms per run | ratio | ratio, CPU time |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| engine, batches of {e['batch']} in a process pool | {e['runs']:,} "
        f"| {e['wall_s']:.1f} | {fmt(e['runs_per_s'])} | {1000 * e['cpu_s_per_run']:.1f} "
        f"| {e['ratio']:.0f}× | {e['cpu_ratio']:.0f}× |",
    ]
    if x and "wall_s" in x:
        lines.append(
            f"| `leadsim.experiments.run_sweep` (Parquet, resumable) | {x['runs']:,} "
            f"| {x['wall_s']:.1f} | {fmt(x['runs_per_s'])} | — | {x['ratio']:.0f}× | — |"
        )
    elif x:
        lines.append(
            f"| `leadsim.experiments.run_sweep` | {x['runs']:,} | failed: {x['error']} | | | | |"
        )
    lines.append(
        f"| reference, one run at a time (measured on {r['runs']} runs, extrapolated) "
        f"| 10,000 | {r['extrapolated_wall_s']:.0f} (est.) | {fmt(r['runs_per_s'])} "
        f"| {1000 * r['cpu_s_per_run']:.1f} | 1× | 1× |"
    )
    memory = results["memory"]
    em, rm = memory["engine"], memory["reference"]
    lines += [
        "",
        f"Memory per staff member (engine at {em['staff']:,} staff)",
        "",
        "| what | bytes per staff member |",
        "|---|---:|",
        f"| engine state: Σ nbytes of its arrays, CSR network included | {em['state_bytes_per_staff']:.0f} |",
        f"| engine, traced after set-up (tracemalloc) | {em['traced_after_setup_per_staff']:.0f} |",
        f"| engine, tracemalloc peak during a step | {em['step_peak_per_staff']:.0f} |",
        f"| engine, of which the step's temporaries | {em['step_temporaries_per_staff']:.0f} |",
        f"| reference at {rm['staff']:,} staff, traced after set-up and a step | {rm['traced_per_staff']:.0f} |",
    ]
    board = results["dashboard"]
    lines += ["", f"Dashboard, per week: {board['note']}", ""]
    if board["rows"]:
        lines += [
            "| staff | step ms | frames ms | step + frames ms | specs, once per run, ms |",
            "|---:|---:|---:|---:|---:|",
        ]
        for row in board["rows"]:
            lines.append(
                f"| {row['staff']} | {row['step_ms']:.2f} | {row['frame_ms']:.2f} "
                f"| {row['total_ms']:.2f} | {row['spec_once_ms']:.1f} |"
            )
    lines += ["", "Targets (2-core machine)", "", "| target | measured | met |", "|---|---:|---|"]
    for target in results["targets"]:
        lines.append(
            f"| {target['target']} | {target['text']} | {'yes' if target['met'] else 'no'} |"
        )
    if "profile" in results:
        for label, prof in results["profile"].items():
            head = (
                f"Profile ({label}: {prof['runs']:,} run(s) × {prof['staff']:,} staff × "
                f"{HORIZON} weeks, {prof['total_s']:.2f} s under cProfile)"
            )
            lines += [
                "",
                head,
                "",
                "| function (own time) | calls | own s | share "
                "| leadsim function (cumulative) | cumulative s | share |",
                "|---|---:|---:|---:|---|---:|---:|",
            ]
            for own, cumulative in zip(prof["top_own"], prof["leadsim_cumulative"], strict=False):
                lines.append(
                    f"| `{own['function']}` | {own['calls']:,} | {own['own_s']:.3f} "
                    f"| {100 * own['own_share']:.1f} % | `{cumulative['function']}` "
                    f"| {cumulative['cumulative_s']:.3f} | {100 * cumulative['cumulative_share']:.1f} % |"
                )
    return "\n".join(lines)


def say(message: str) -> None:
    """Progress on stderr, so that stdout is the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON file (default benchmarks/results.json, or results-quick.json with --quick)",
    )
    parser.add_argument("--profile", action="store_true", help="also profile the engine")
    args = parser.parse_args(argv)
    out = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
    workers = cores()
    results: dict = {"quick": args.quick, "machine": machine()}
    results["single_runs"] = single_runs(args.quick)
    results["sweep"] = sweeps(args.quick, workers)
    say("memory")
    results["memory"] = {
        "engine": engine_memory(10_000 if args.quick else 100_000),
        "reference": reference_memory(1_000 if args.quick else 10_000),
    }
    say("dashboard")
    results["dashboard"] = dashboard(args.quick)
    results["targets"] = check_targets(results)
    if hasattr(os, "getloadavg"):  # other processes competing for the cores skew the figures
        results["machine"]["load_average_at_end"] = os.getloadavg()[0]
    if args.profile:
        say("profile: one run of 1,000 staff")
        one = profile_engine(1, 1_000)
        say("profile: a batch of 1,000 runs of 60 staff")
        batch = profile_engine(100 if args.quick else 1_000, 60)
        results["profile"] = {"one run": one, "batch": batch}
    table = render(results)
    print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**results, "table": table}, indent=2, default=str) + "\n")
    say(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
