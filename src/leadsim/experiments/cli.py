"""The ``sweep``, ``replay`` and ``report`` commands, registered on ``leadsim``'s parser.

``leadsim.cli`` calls :func:`add_commands`; each handler returns the exit code, and a
user's mistake raises a :class:`ValueError` subclass with a one-line message, which
``leadsim.cli`` prints as ``leadsim: error: <message>`` (exit code 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Design points whose parameters a dry run checks (about 0.2 ms each); the rest are
# checked as their runs start.
DRY_RUN_POINTS = 10_000


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not allowed; a whole number from 1")
    return value


def _run_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a run id (a whole number)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is not a run id; allowed: 0 or more")
    return value


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``sweep``, ``replay`` and ``report`` on the ``leadsim`` parser."""
    sweep = subparsers.add_parser(
        "sweep",
        help="simulate every run of an experiment file; results to Parquet",
        description=(
            "Expand an experiment (experiments/*.toml) into runs, simulate them in batches "
            "on local processes or a Dask cluster, and write runs.parquet, per-batch series "
            "and a manifest to --out. See docs/experiments.md."
        ),
    )
    sweep.add_argument("experiment", nargs="?", help="an experiment file (TOML); not with --verify")
    sweep.add_argument(
        "--verify",
        metavar="DIR",
        help=(
            "check a sweep's results folder through (every part against its checksum, "
            "every run exactly once, runs.parquet against the manifest) and say what is wrong"
        ),
    )
    sweep.add_argument(
        "--out", metavar="DIR", help="the results folder (required but for --dry-run)"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_count,
        metavar="N",
        help="local worker processes (default: all cores, or this process for a small sweep)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send batches to an existing Dask cluster (tcp://host:8786 or scheduler.json)",
    )
    sweep.add_argument(
        "--batch-size",
        type=_count,
        metavar="N",
        help="runs per batch (default: the file's; on a GPU, what its memory holds)",
    )
    sweep.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default="cpu",
        help=(
            "where the engine runs (default cpu); gpu: a CUDA GPU on each worker "
            "(pip install 'leadsim[gpu]'; see docs/gpu.md)"
        ),
    )
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted sweep in --out (refused if the experiment changed)",
    )
    sweep.add_argument(
        "--dry-run",
        action="store_true",
        help="validate the file and print the design's size and batches; simulate nothing",
    )
    sweep.add_argument(
        "--max-runs",
        type=_count,
        metavar="N",
        help=(
            "refuse a design of more than N runs before expanding it "
            "(default: 10,000,000; a design is held in memory)"
        ),
    )
    sweep.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    sweep.set_defaults(func=cmd_sweep)

    replay = subparsers.add_parser(
        "replay",
        help="re-simulate one run of a sweep alone and check it against the record",
        description=(
            "Re-simulate run RUN_ID of the sweep in DIR alone, keeping every step and metric; "
            "write its series, summary and figure; exit 1 if it differs from the record."
        ),
    )
    replay.add_argument("dir", metavar="DIR", help="a sweep's results folder")
    replay.add_argument("run_id", type=_run_id, metavar="RUN_ID", help="the run's id")
    replay.add_argument("--out", metavar="DIR", help="where to write (default: DIR/replay/run-ID)")
    replay.set_defaults(func=cmd_replay)

    report = subparsers.add_parser(
        "report",
        help="figures (PNG) and a Markdown summary of a sweep",
        description="Write figures and report.md for the sweep in DIR (to DIR/report).",
    )
    report.add_argument("dir", metavar="DIR", help="a sweep's results folder")
    report.add_argument("--out", metavar="DIR", help="where to write (default: DIR/report)")
    report.set_defaults(func=cmd_report)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run (or resume) a sweep and print what it did."""
    from leadsim.experiments.design import DEFAULT_MAX_RUNS, check_design_size
    from leadsim.experiments.spec import load_experiment
    from leadsim.experiments.sweep import dask_executor, run_sweep

    if args.verify:
        from leadsim.experiments.storage import SweepError
        from leadsim.experiments.sweep import verify_sweep

        if args.experiment or args.out:
            raise SweepError(
                "--verify DIR: takes no experiment file and no --out; allowed: --verify DIR alone"
            )
        print(verify_sweep(args.verify))
        return 0
    if not args.experiment:
        from leadsim.experiments.storage import SweepError

        raise SweepError("sweep: give an experiment file (or --verify DIR)")
    if args.dry_run:
        return _dry_run(args)
    if not args.out:
        from leadsim.experiments.storage import SweepError

        raise SweepError("--out: missing; give the results folder (only --dry-run goes without)")
    max_runs = DEFAULT_MAX_RUNS if args.max_runs is None else args.max_runs
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    options = {
        "batch_size": args.batch_size,
        "resume": args.resume,
        "progress": progress,
        "device": args.device,
    }
    if args.scheduler:
        # a mistake in the file, or a design too large, shows before connecting
        check_design_size(load_experiment(args.experiment), max_runs)
        with dask_executor(args.scheduler) as executor:
            summary = run_sweep(
                args.experiment, args.out, executor=executor, max_runs=max_runs, **options
            )
    else:
        check_design_size(load_experiment(args.experiment), max_runs)  # mistakes first
        from leadsim.warmup import compile_now, warm_up

        if args.device == "cpu" and compile_now():  # compile once here, not in each worker
            warm_up()
        summary = run_sweep(
            args.experiment, args.out, workers=args.workers, max_runs=max_runs, **options
        )
    counts = ", ".join(f"{n} {status}" for status, n in summary.status_counts.items())
    rate = f", {summary.runs_per_second:.1f} runs/s" if summary.batches_run else ""
    skipped = summary.batches - summary.batches_run
    resumed = f" ({skipped} batches already done)" if skipped else ""
    print(
        f"{summary.runs} runs in {summary.batches} batches{resumed}: {counts}; "
        f"{summary.seconds:.1f} s{rate}"
    )
    print(f"wrote {Path(args.out) / 'runs.parquet'} and {Path(args.out) / 'manifest.json'}")
    return 0


def _dry_run(args: argparse.Namespace) -> int:
    """Print what a sweep would do: runs, batches and the runs the model would refuse.

    The design's size is checked before anything is expanded; the parameters of the
    first :data:`DRY_RUN_POINTS` design points are checked, one point at a time.
    """
    from dataclasses import replace

    from leadsim.experiments.design import DEFAULT_MAX_RUNS, check_design_size, expand
    from leadsim.experiments.plan import plan_sweep
    from leadsim.experiments.runner import plan_runs
    from leadsim.experiments.spec import load_experiment

    experiment = load_experiment(args.experiment)
    if args.batch_size:
        experiment = replace(experiment, batch_size=args.batch_size)
    check_design_size(experiment, DEFAULT_MAX_RUNS if args.max_runs is None else args.max_runs)
    plan = plan_sweep(experiment)  # the sweep's own batches
    checked = min(plan.points, DRY_RUN_POINTS) if experiment.uses_engine else plan.points
    plans = plan_runs(experiment, expand(experiment, checked))
    names = experiment.factor_names
    over = ", ".join(names) if len(names) <= 6 else f"{len(names)} factors"
    print(
        f"{experiment.name}: {experiment.method} over {over}; "
        f"{plan.points} points × {experiment.replicates} replicates = {plan.runs} runs of "
        f"{experiment.horizon} weeks in {len(plan.batches)} batches of at most "
        f"{experiment.batch_size}"
    )
    if checked < plan.points:
        print(f"checked the parameters of the first {checked:,} of {plan.points:,} points; "
              "the others are checked as their runs start")  # fmt: skip
    refused = [run for run in plans if run.error]
    if refused:
        print(f"{len(refused)} runs would be invalid, for instance run "
              f"{refused[0].design.run_id}: {refused[0].error}")  # fmt: skip
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay one run, write its series, summary and figure, and compare with the record."""
    from leadsim.experiments.runner import RUN_COLUMNS
    from leadsim.experiments.sweep import replay

    result = replay(args.dir, args.run_id)
    out = Path(args.out) if args.out else Path(args.dir) / "replay" / f"run-{args.run_id}"
    out.mkdir(parents=True, exist_ok=True)
    design = result.design
    factors = ", ".join(f"{k}={v}" for k, v in design.factors.items())
    print(f"run {design.run_id} (point {design.point}, replicate {design.replicate}, "
          f"seed {design.seed}): {factors}")  # fmt: skip
    outputs = [c for c in result.runs.columns if c not in (*RUN_COLUMNS, *design.factors)]
    for row in result.runs.to_dict("records"):
        print(f"  organisation {row['organisation']}: {_verdict(row, outputs)}")
    result.runs.to_csv(out / "summary.csv", index=False)
    written = [out / "summary.csv"]
    if result.series is not None:
        result.series.to_parquet(out / "series.parquet", index=False)
        written.append(out / "series.parquet")
        if result.experiment.uses_engine:
            from leadsim.plotting import run_figure

            reversions = [
                (int(r.organisation), int(r.time_to_reversion))
                for r in result.runs.itertuples()
                if r.status == "ok" and r.reverted
            ]
            metrics = result.series.rename(columns={"run_id": "run"}).drop(columns="run")
            figure = run_figure(
                metrics,
                result.events,
                reversions,
                f"{result.experiment.title}: run {design.run_id}",
            )
            figure.savefig(out / "figure.png", dpi=110)
            written.append(out / "figure.png")
    print("wrote " + ", ".join(str(path) for path in written))
    if result.identical:
        recorded = "summaries" + (
            " and recorded series" if result.recorded_series is not None else ""
        )
        if result.tolerance:
            print(
                f"the same as the sweep's record ({recorded}): it ran on a GPU, replayed on "
                f"this CPU, floats within {result.tolerance:g} relative, all else exactly"
            )
        else:
            where = " (on a GPU, as the sweep ran it)" if result.device == "gpu" else ""
            print(f"identical to the sweep's record ({recorded}), bit for bit{where}")
        return 0
    print("DIFFERS from the sweep's record: " + ", ".join(result.differences))
    return 1


def _verdict(row: dict, outputs: list[str]) -> str:
    """One line on a run's outcome, as ``leadsim run`` prints it."""
    if row["status"] != "ok":
        return f"{row['status']}: {row['error']}"
    if "reverted" not in row:  # an external model: its outputs
        return ", ".join(f"{name}={row[name]:.6g}" for name in outputs)
    if row["never_distributed"]:
        verdict = "never distributed"
    elif row["reverted"]:
        verdict = f"reverted to hierarchy in week {row['time_to_reversion']}"
    else:
        verdict = "sustained distributed leadership"
    return (
        f"{verdict}; final distribution index {row['final_distribution_index']:.2f}; "
        f"peak staff anxiety {row['peak_anxiety']:.2f}"
    )


def cmd_report(args: argparse.Namespace) -> int:
    """Write the figures and report.md of a sweep."""
    from leadsim.analysis import write_report

    report = write_report(args.dir, args.out)
    print(f"wrote {report} and {len(list(report.parent.glob('*.png')))} figures in {report.parent}")
    return 0
