"""The ``calibrate`` command, registered on ``leadsim``'s parser by :func:`add_commands`.

A user's mistake raises a :class:`ValueError` subclass with a one-line message, which
``leadsim.cli`` prints as ``leadsim: error: <message>`` (exit code 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leadsim.experiments.cli import _count  # a whole number from 1, as sweep's options


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``calibrate`` on the ``leadsim`` parser."""
    calibrate = subparsers.add_parser(
        "calibrate",
        help="infer parameters from observed patterns (batched ABC-SMC); posterior to Parquet",
        description=(
            "Likelihood-free inference (ABC-SMC) of a targets file's parameters from its "
            "observed patterns, simulating each generation's draws in batches on the engine. "
            "Writes the posterior sample, posterior predictive checks, a manifest and a "
            "report to --out. See docs/calibration.md."
        ),
    )
    calibrate.add_argument(
        "targets", help="a targets file (TOML), or a shipped example's name (synthetic_integrated)"
    )
    calibrate.add_argument("--out", metavar="DIR", required=True, help="the results folder")
    where = calibrate.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_count,
        metavar="N",
        help="local worker processes for the batches (default: 1, this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send batches to an existing Dask cluster (tcp://host:8786 or scheduler.json)",
    )
    calibrate.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted calibration in --out from its last complete generation",
    )
    calibrate.add_argument(
        "--simulations",
        type=_count,
        metavar="N",
        help=(
            "spend at most N runs on inference (default: the file's budget; the predictive "
            "checks come after); for a quick look"
        ),
    )
    calibrate.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default="cpu",
        help="where the engine runs (default cpu; gpu: pip install 'leadsim[gpu]', docs/gpu.md)",
    )
    calibrate.add_argument("--quiet", action="store_true", help="no line per generation on stderr")
    calibrate.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run (or resume) a calibration and print its credible intervals."""
    from leadsim.calibration.run import calibrate
    from leadsim.calibration.targets import load_calibration

    calibration = load_calibration(args.targets)  # a mistake in the file shows first
    if args.simulations is not None:
        from dataclasses import replace

        calibration = replace(
            calibration, simulations=min(calibration.simulations, args.simulations)
        )

    def say(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    options = {
        "resume": args.resume,
        "progress": say,
        "calibration": calibration,
        "device": args.device,
    }
    if args.scheduler:
        from leadsim.experiments.sweep import dask_executor

        with dask_executor(args.scheduler) as executor:
            result = calibrate(args.targets, args.out, executor=executor, **options)
    else:
        from leadsim.experiments.runner import local_executor
        from leadsim.warmup import compile_now, warm_up

        if args.device == "cpu" and compile_now():  # compile once here, not in each worker
            warm_up()
        executor = local_executor(args.workers or 1)
        try:
            result = calibrate(args.targets, args.out, executor=executor, **options)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    manifest = result.manifest
    print(
        f"{calibration.name}: {manifest['generations']} generations, "
        f"{manifest['simulations']} runs, {manifest['seconds']:.1f} s ({manifest['stop']})"
    )
    ninety, fifty = result.intervals(0.9), result.intervals(0.5)
    for name in calibration.parameter_names:
        truth = calibration.truth.get(name)
        low, high = ninety[name]
        note = ""
        if truth is not None:
            note = f"; true {truth:g} {'inside' if low <= truth <= high else 'OUTSIDE'}"
        print(
            f"  {name}: 90% [{low:.3f}, {high:.3f}], 50% [{fifty[name][0]:.3f}, "
            f"{fifty[name][1]:.3f}]{note}"
        )
    out = Path(args.out)
    print(f"wrote {out / 'posterior.parquet'}, {out / 'calibration.json'} and {out / 'report'}")
    return 0
