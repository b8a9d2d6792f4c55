"""How quickly the command line answers: each command against ``python -c "import numpy"``.

    uv run python benchmarks/cli.py                 # about a minute on 2 cores
    uv run python benchmarks/cli.py --repeat 3      # quicker, noisier
    uv run python benchmarks/cli.py --out FILE      # also the figures as JSON

Every figure is the median wall time of ``--repeat`` fresh processes of the installed
``leadsim`` console script (not ``uv run``, which adds its own start-up), measured in
one run on one machine, so the differences are what leadsim costs over Python and
numpy:

- ``python -c "import numpy"``: the floor every command stands on;
- ``leadsim --help``, ``scenarios``, ``params``, ``validate``: these never load numpy's
  neighbours, the engine or its kernels;
- warm ``leadsim run scenarios/integrated.toml``: kernels loaded from the cache, against
  the simulation alone (timed inside one process that has everything loaded);
- ``leadsim run … --out DIR``: also pandas, pyarrow and matplotlib, for the files;
- cold ``leadsim run``: the first run after an install, with an empty kernel cache
  (``LEADSIM_CACHE_DIR`` set to a new folder), against warm.

The issue's targets (issue 14): warm ``run`` within 0.8 s of ``import numpy``, and
``scenarios`` within 0.3 s of it. Nothing here passes or fails; it prints a Markdown
table.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "integrated.toml")
BIN = Path(sys.executable).parent
LEADSIM = str(BIN / "leadsim")


def wall(command: list[str], env: dict | None = None) -> float:
    """Seconds one fresh process of ``command`` takes (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - started


def median_wall(command: list[str], repeat: int, env: dict | None = None) -> float:
    wall(command, env)  # the first one fills the OS's file cache
    return statistics.median(wall(command, env) for _ in range(repeat))


def simulation_alone(repeat: int) -> float:
    """The simulation's own seconds, in a process with everything already loaded."""
    code = (
        "import statistics, time\n"
        "from leadsim.config import find_scenario\n"
        "from leadsim.simulate import simulate\n"
        f"s = find_scenario({SCENARIO!r}); simulate(s)\n"
        "times = []\n"
        f"for _ in range({repeat}):\n"
        "    t = time.perf_counter(); simulate(s); times.append(time.perf_counter() - t)\n"
        "print(statistics.median(times))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return float(done.stdout.strip())


def measure(repeat: int) -> dict:
    figures: dict = {}
    subprocess.run([LEADSIM, "warm-up"], check=True, capture_output=True)
    figures["import numpy"] = median_wall([sys.executable, "-c", "import numpy"], repeat)
    for name, args in (
        ("--help", ["--help"]),
        ("scenarios", ["scenarios"]),
        ("params", ["params"]),
        ("validate", ["validate", SCENARIO]),
        ("run (warm)", ["run", SCENARIO]),
    ):
        figures[name] = median_wall([LEADSIM, *args], repeat)
        print(f"{name}: {figures[name]:.2f} s", file=sys.stderr)
    with tempfile.TemporaryDirectory() as out:
        figures["run --out (warm)"] = median_wall([LEADSIM, "run", SCENARIO, "--out", out], repeat)
    figures["simulation alone"] = simulation_alone(repeat)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "LEADSIM_CACHE_DIR": cache}
        figures["run (cold)"] = wall([LEADSIM, "run", SCENARIO], env)
    return figures


def table(figures: dict) -> str:
    floor = figures["import numpy"]
    lines = ["| command | seconds | over `import numpy` |", "|---|---:|---:|"]
    for name, seconds in figures.items():
        if name == "simulation alone":
            continue
        over = "" if name == "import numpy" else f"{seconds - floor:+.2f}"
        lines.append(f"| `{name}` | {seconds:.2f} | {over} |")
    lines.append(f"| the simulation alone (in process) | {figures['simulation alone']:.3f} | |")
    lines.append(
        f"| cold `run` ÷ warm `run` | {figures['run (cold)'] / figures['run (warm)']:.1f}× | |"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="processes per figure (median)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    figures = measure(args.repeat)
    print(table(figures))
    if args.out:
        machine = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
        args.out.write_text(json.dumps({"machine": machine, "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
