"""The ``leadsim`` command: run, list and validate scenarios (and, when present, sweeps)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from leadsim import __version__
from leadsim.config import ScenarioError, find_scenario, list_scenarios, load_scenario
from leadsim.events import EventError
from leadsim.params import FIELDS, ParameterError, describe

USER_ERRORS = (ScenarioError, ParameterError, EventError, FileNotFoundError)


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is out of range; allowed: 0 to 2**63 - 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text} is out of range; allowed: 1 to 100000")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one scenario, print its summary, write metrics and a figure."""
    scenario = find_scenario(args.scenario)
    if args.steps is not None:  # the horizon limit; scheduled events it cuts off are named
        from leadsim.config import check_steps

        notice = check_steps(scenario, args.steps)
        if notice:
            print(f"leadsim: {notice}", file=sys.stderr)
    out = None if args.out is None else _out_folder(args.out)  # before the simulation
    from leadsim.warmup import compile_now, warm_up

    if compile_now():  # the first run after an install: say why it waits
        warm_up()
    from leadsim.simulate import simulate

    result = simulate(scenario, seed=args.seed, steps=args.steps)
    seed = scenario.seed if args.seed is None else args.seed
    steps = scenario.horizon if args.steps is None else args.steps
    print(f"{scenario.name}: {scenario.title} (seed {seed}, {steps} weeks)")
    rows = result.organisations()  # plain values: no pandas unless files are written
    for row in rows:
        if row["never_distributed"]:
            verdict = "never distributed"
        elif row["reverted"]:
            verdict = f"reverted to hierarchy in week {row['time_to_reversion']}"
        else:
            verdict = "sustained distributed leadership"
        prefix = f"  organisation {row['organisation']}: " if len(rows) > 1 else "  "
        print(
            f"{prefix}{verdict}; final distribution index "
            f"{row['final_distribution_index']:.2f}; peak staff anxiety {row['peak_anxiety']:.2f}"
        )
    if out is not None:
        from leadsim.plotting import run_figure

        stem = scenario.name
        try:
            result.metrics.to_parquet(out / f"{stem}_metrics.parquet", index=False)
            result.metrics.to_csv(out / f"{stem}_metrics.csv", index=False)
            result.summary.to_csv(out / f"{stem}_summary.csv", index=False)
            (out / f"{stem}_events.json").write_text(
                json.dumps(
                    [{"step": s, "organisation": o, "event": e} for s, o, e in result.events]
                )
            )
            fig = run_figure(result.metrics, result.events, result.reversions(), scenario.title)
            fig.savefig(out / f"{stem}.png", dpi=110)
        except OSError as err:
            raise ValueError(
                f"--out: cannot write in {out} ({err.strerror or err}); allowed: a folder "
                "you can write to"
            ) from None
        print(f"wrote {out / f'{stem}_metrics.parquet'}, .csv, _summary.csv and {stem}.png")
    return 0


def _out_folder(text: str, what: str = "--out") -> Path:
    """The folder ``what`` names, made if new; one line if it is a file or cannot be written."""
    out = Path(text)
    try:
        out.exists()
    except OSError as err:  # a name too long, a folder on the way that cannot be entered
        raise ValueError(
            f"{what}: cannot use {text} ({err.strerror or err}); allowed: a folder (new or "
            "existing) you can write to"
        ) from None
    if out.exists() and not out.is_dir():
        raise ValueError(f"{what}: {text} is a file; allowed: a folder (new or existing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(
            f"{what}: cannot make {text} ({err.strerror or err}); allowed: a folder (new or "
            "existing) you can write to"
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"{what}: {text} is not writable; allowed: a folder you can write to")
    return out


def cmd_warm_up(args: argparse.Namespace) -> int:
    """Compile (or load) the engine's kernels now, so later commands start at once."""
    from leadsim.engine import kernels
    from leadsim.warmup import compile_bytecode, warm_up

    compiling = not kernels.cache_ready()
    seconds = warm_up(sys.stdout)
    if not compiling:
        print(f"leadsim: kernels loaded in {seconds:.1f} s from {kernels._CACHE_DIR}")
    import matplotlib.figure  # noqa: F401 - what run --out imports: its bytecode too
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    import leadsim.engine.tables  # noqa: F401

    written = compile_bytecode()
    if written:
        print(f"leadsim: compiled the bytecode of {written} modules, for quicker starts")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Copy the shipped scenarios, experiments and calibration targets into a folder."""
    import shutil

    from leadsim.config import EXPERIMENT_DIR, SCENARIO_DIR, shipped_dir

    target = _out_folder(args.folder, "init: folder")
    shipped = (
        ("scenarios", SCENARIO_DIR),
        ("experiments", EXPERIMENT_DIR),
        ("calibration", shipped_dir("calibration")),
    )
    copies = [
        (source, target / kind / source.name)
        for kind, folder in shipped
        for source in sorted(folder.glob("*.toml"))
    ]
    there = [str(dest.relative_to(target)) for _, dest in copies if dest.exists()]
    if there and not args.force:
        raise ValueError(
            f"init: {target} already has {len(there)} of the files ({there[0]}, …); allowed: "
            "a folder without them, or --force to overwrite them"
        )
    try:
        for source, dest in copies:
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, dest)
    except OSError as err:
        raise ValueError(
            f"init: cannot write in {target} ({err.strerror or err}); allowed: a folder you "
            "can write to"
        ) from None
    counts = {kind: sum(dest.parent.name == kind for _, dest in copies) for kind, _ in shipped}
    print(
        f"wrote {counts['scenarios']} scenarios to {target / 'scenarios'}, "
        f"{counts['experiments']} experiments to {target / 'experiments'} and "
        f"{counts['calibration']} calibration targets to {target / 'calibration'}"
    )
    print(f"next: leadsim run {target / 'scenarios' / 'abdication.toml'}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios, one line each."""
    scenarios = list_scenarios()
    width = max((len(s.name) for s in scenarios), default=0)
    for s in scenarios:
        print(f"{s.name:<{width}}  {s.title}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files without running them; one line per file."""
    failed = 0
    for path in args.files:
        try:
            load_scenario(path)
        except USER_ERRORS as err:
            print(f"invalid: {err}")
            failed += 1
        else:
            print(f"ok: {path}")
    return 1 if failed else 0


def cmd_params(args: argparse.Namespace) -> int:
    """List every parameter with its meaning, default and range."""
    for name in FIELDS:
        print(describe(name))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="leadsim",
        description="Simulate why organisations that distribute leadership revert to hierarchy.",
    )
    parser.add_argument("--version", action="version", version=f"leadsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a scenario and write its metrics and figure")
    run.add_argument("scenario", help="a scenario file, or the name of a shipped scenario")
    run.add_argument("--seed", type=_seed, help="override the scenario's seed")
    run.add_argument("--steps", type=_positive, help="override the horizon (weeks)")
    run.add_argument("--out", help="folder for metrics (Parquet, CSV) and the figure (PNG)")
    run.set_defaults(func=cmd_run)

    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)

    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("files", nargs="+")
    val.set_defaults(func=cmd_validate)

    params = sub.add_parser("params", help="list every parameter with its default and range")
    params.set_defaults(func=cmd_params)

    init = sub.add_parser(
        "init",
        help="copy the shipped scenarios, experiments and calibration targets into a folder",
    )
    init.add_argument(
        "folder",
        help="where to put scenarios/, experiments/ and calibration/ (new or existing)",
    )
    init.add_argument("--force", action="store_true", help="overwrite files already there")
    init.set_defaults(func=cmd_init)

    warm = sub.add_parser(
        "warm-up",
        help="compile the engine once after an install, so later commands start at once",
        description=(
            "Compile the engine's kernels into a cache keyed by leadsim's sources (beside the "
            "package, else in ~/.cache/leadsim; LEADSIM_CACHE_DIR chooses), or load them "
            "if they are already there. Run once after installing or editing a rule."
        ),
    )
    warm.set_defaults(func=cmd_warm_up)

    for module in (
        "leadsim.experiments.cli",
        "leadsim.dashboard.cli",
        "leadsim.calibration.cli",
        "leadsim.workshop.cli",
    ):
        try:
            extension = __import__(module, fromlist=["add_commands"])
        except ModuleNotFoundError as err:
            if err.name is None or not module.startswith(err.name):
                raise
            continue
        extension.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leadsim`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (*USER_ERRORS, ValueError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"leadsim: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("leadsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
