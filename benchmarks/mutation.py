"""A repeatable mutation run over the engine: does a wrong rule fail the fast tests?

Each mutant is one exact text replacement in one file of ``src/leadsim/engine/`` (the
text must occur exactly once, or the mutant is reported as stale). For each mutant the
tree is copied to a temporary folder (``src``, ``tests``, ``scenarios``, ``experiments``,
``examples``, ``docs`` and ``pyproject.toml``; never ``.venv`` or ``.git``), the mutant
is applied to the copy, and the fast engine and model tests run there with the copy's
``src`` first on ``PYTHONPATH`` and a fresh kernel cache (``LEADSIM_CACHE_DIR``), so
every mutant compiles its own kernels. The real tree is never written, even if the run
is killed. A mutant is *killed* when the tests fail, *survived* when they pass.

    uv run python benchmarks/mutation.py               # every mutant, 2 at a time
    uv run python benchmarks/mutation.py --jobs 1      # one at a time
    uv run python benchmarks/mutation.py --only M03,M07 --keep   # some, keep their copies
    uv run python benchmarks/mutation.py --list        # the mutants, without running them

It prints a Markdown table (the one in ``benchmarks/README.md``, "Mutation run") and
exits 1 if any mutant survived or is stale. Equivalent mutants (no test can tell them
from the real code) are listed with ``equivalent=True``, run, and reported, but do not
fail the run. Not part of the default test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = "src/leadsim/engine"
COPIED = ("src", "tests", "scenarios", "experiments", "examples", "docs", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
TESTS = ("tests/engine", "tests/test_model.py")
PER_MUTANT_TIMEOUT = 600


@dataclass(frozen=True)
class Mutant:
    """Replace ``old`` by ``new`` in ``path`` (relative to the repository root)."""

    key: str
    path: str
    old: str
    new: str
    what: str
    equivalent: bool = False


def m(key: str, file: str, old: str, new: str, what: str, equivalent: bool = False) -> Mutant:
    return Mutant(key, f"{ENGINE}/{file}", old, new, what, equivalent)


MUTANTS: tuple[Mutant, ...] = (
    # --- the seven that survived the first mutation run (issue 15) ---
    m(
        "M01",
        "kernels.py",
        "proof = rules.social_proof(neighbours_led[i], indptr[i + 1] - indptr[i])",
        "proof = rules.social_proof(neighbours_led[i], indptr[i + 1] - indptr[i] + 1)",
        "take-up: L̄ divides by degree + 1",
    ),
    m(
        "M02",
        "kernels.py",
        "        peer_weight[o],\n        holding_weight[o],",
        "        holding_weight[o],\n        peer_weight[o],",
        "outcomes: φ and ψ swapped in the success rule",
    ),
    m(
        "M03",
        "core.py",
        "self.target = np.where(cycle_end & cycles, stepped, self.target)",
        "self.target = np.where(cycles, stepped, self.target)",
        "replanning: every cycles head replans when any cycle ends",
    ),
    m(
        "M04",
        "rules.py",
        "- absent * cohesion))",
        "- absent * (1.0 - cohesion)))",
        "cohesion: absent term × (1 − cohesion) instead of × cohesion",
    ),
    m(
        "M05",
        "core.py",
        "meeting = self.in_group & ((self.t % np.asarray(interval, dtype=np.int64)) == 0)",
        "meeting = self.in_group & (((self.t + 1) % np.asarray(interval, dtype=np.int64)) == 0)",
        "learning group: meets at weeks 3, 7, … instead of 0, 4, …",
    ),
    m(
        "M06",
        "core.py",
        "        self._meet_learning_group()  # 3.\n        self._lead()",
        "        self._lead()\n        self._meet_learning_group()  # 3.",
        "step order: the group meets after the head's step",
    ),
    m(
        "M07",
        "kernels.py",
        "tally[o, T_ACTIVE] += count > 0",
        "tally[o, T_ACTIVE] += count > 1",
        "density: counts those with two or more acts",
    ),
    # --- the four caught only by slow checks ---
    m(
        "M08",
        "rules.py",
        "- abdication_loss * distribution * (1.0 - containment) * trust",
        "- abdication_loss * distribution * containment * trust",
        "trust: abdication × containment instead of × (1 − containment)",
    ),
    m(
        "M09",
        "kernels.py",
        "            distribution_before_o,\n            recently_led[i],",
        "            distribution_before_o,\n            leading[i],",
        "trust: withdrawal × this week's leading instead of recently_led",
    ),
    m(
        "M10",
        "kernels.py",
        "cycle_end[o] = position == cycle_length[o] - 1",
        "cycle_end[o] = position == 0",
        "replanning: the cycle ends at position 0",
    ),
    m(
        "M11",
        "kernels.py",
        "leader_acts = size * (1.0 - distribution[o])",
        "leader_acts = size - t[T_OFFERS]",
        "observation: the head's acts counted as staff − offers",
    ),
    # --- more: one small wrong step each ---
    m(
        "M12",
        "metrics.py",
        "eligible = t > first_high",
        "eligible = t >= first_high",
        "reversion: the week that reaches hi may start the run (equivalent while lo < hi)",
        equivalent=True,
    ),
    m(
        "M13",
        "metrics.py",
        "eligible = t > first_high",
        "eligible = t > first_high + 1",
        "reversion: the run may start only two weeks after hi",
    ),
    m(
        "M14",
        "metrics.py",
        "hit = (when < 0) & (run >= run_length)",
        "hit = (when < 0) & (run > run_length)",
        "reversion: one week too many below lo",
    ),
    m(
        "M15",
        "kernels.py",
        "in_window = position >= cycle_length[o] - reflection_weeks[o]",
        "in_window = position > cycle_length[o] - reflection_weeks[o]",
        "reflection: one reflection week too few",
    ),
    m(
        "M16",
        "kernels.py",
        "position = (step - cycle_origin[o]) % np.int64(cycle_length[o])\n    in_window",
        "position = step % np.int64(cycle_length[o])\n    in_window",
        "reflection: weeks counted from week 0, not from the new head's arrival",
    ),
    m(
        "M17",
        "core.py",
        "        cohesion = self.cohesion[self.org_run]  # before this meeting's update",
        "        cohesion = self.cohesion[self.org_run] + 0.1 * (1.0 - self.cohesion[self.org_run])",
        "learning group: support from cohesion after a full-attendance update",
    ),
    m(
        "M18",
        "kernels.py",
        "        recently_led[i] = rules.remember_leading(recently_led[i], leading[i], recent_weight_o)\n"
        "        history[i]",
        "        recently_led[i] = rules.remember_leading(recently_led[i], offered[i], recent_weight_o)\n"
        "        history[i]",
        "memory of leading: remembers offers instead of acts",
    ),
    m(
        "M19",
        "kernels.py",
        "    for k in range(density_window[o]):\n        leader_recent",
        "    for k in range(density_window[o] - 1):\n        leader_recent",
        "centralization: the head's window one week short",
    ),
    m(
        "M20",
        "kernels.py",
        "history[i] = (history[i] << np.uint32(1)) | np.uint32(leading[i])",
        "history[i] = (history[i] << np.uint32(1)) | np.uint32(offered[i])",
        "density: the history records offers instead of acts",
    ),
    m(
        "M21",
        "core.py",
        "            self.target_floor[orgs] + _as_org(self.p.step_up, orgs),",
        "            self.target_floor[orgs],",
        "replanning: the first target is the floor, not floor + step_up",
    ),
    m(
        "M22",
        "rules.py",
        "return neighbours_led / np.maximum(degree, 1)",
        "return neighbours_led / np.maximum(degree, 2)",
        "take-up: L̄ of a person with one neighbour halved",
    ),
    m(
        "M23",
        "rules.py",
        "    up = mean_staff_anxiety < tolerance_low\n    down",
        "    up = mean_staff_anxiety <= tolerance_high\n    down",
        "replanning: steps up below tolerance_high instead of tolerance_low",
    ),
    m(
        "M24",
        "core.py",
        "        self.cycle_origin[orgs] = self.t\n",
        "",
        "leader change: cycles keep counting from week 0",
    ),
    m(
        "M25",
        "kernels.py",
        "    pressure[o] = rules.decay_pressure(pressure[o], baseline[o], decay_weeks[o])\n",
        "",
        "pressure: never decays",
    ),
    m(
        "M26",
        "rules.py",
        "return clip01(containment + learning * support * (1.0 - containment))",
        "return clip01(containment + learning * support)",
        "learning group: containment learnt without saturation",
    ),
    m(
        "M27",
        "kernels.py",
        "e = rules.excess_anxiety(leader_anxiety[o], containment[o])\n"
        "    excess[o] = e\n"
        "    containment[o] = rules.erode_containment(containment[o], e, erosion[o])",
        "containment[o] = rules.erode_containment(\n"
        "        containment[o], rules.excess_anxiety(leader_anxiety[o], containment[o]), erosion[o]\n"
        "    )\n"
        "    e = rules.excess_anxiety(leader_anxiety[o], containment[o])\n"
        "    excess[o] = e",
        "head: E read after containment has eroded",
    ),
    m(
        "M28",
        "kernels.py",
        "    cycle_acts[o] += tally[o, T_ACTS]",
        "    cycle_acts[o] = tally[o, T_ACTS]",
        "adaptive head: success rate of the cycle's last week only",
    ),
    m(
        "M29",
        "core.py",
        "        present = np.bincount(self.org_run, weights=attends, minlength=n_runs)",
        "        present = np.bincount(self.org_run, weights=meeting, minlength=n_runs)",
        "cohesion: every member counted as attending",
    ),
    m(
        "M30",
        "kernels.py",
        "tally[o, T_REVERSION_PRESSURE] += dependency[i] * anxiety[i]",
        "tally[o, T_REVERSION_PRESSURE] += dependency[i]",
        "reversion pressure: R = mean dependency (anxiety dropped)",
    ),
    m(
        "M31",
        "rules.py",
        "- absent * cohesion))",
        "- absent * cohesion * (1.0 - cohesion)))",
        "cohesion: absent term × cohesion·(1 − cohesion)",
    ),
)


@dataclass
class Result:
    mutant: Mutant
    status: str  # killed, survived, stale, error
    seconds: float
    detail: str


def copy_tree(destination: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=IGNORED, symlinks=True)
        elif source.exists():
            shutil.copy2(source, destination / name)


def apply(mutant: Mutant, tree: Path) -> str | None:
    """Apply the mutant to the copy; the reason if its text is not there exactly once."""
    if not mutant.old:
        return None  # the baseline
    target = tree / mutant.path
    text = target.read_text()
    count = text.count(mutant.old)
    if count != 1:
        return f"text found {count} times in {mutant.path}"
    target.write_text(text.replace(mutant.old, mutant.new))
    return None


def run_one(
    mutant: Mutant, keep: bool, tests: tuple[str, ...] = TESTS, first: bool = True
) -> Result:
    start = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix=f"leadsim-{mutant.key}-"))
    try:
        copy_tree(folder)
        problem = apply(mutant, folder)
        if problem:
            return Result(mutant, "stale", time.perf_counter() - start, problem)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(folder / "src"), os.environ.get("PYTHONPATH", "")]),
            "LEADSIM_CACHE_DIR": str(folder / "kernel-cache"),
            "NUMBA_CACHE_DIR": str(folder / "numba-cache"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        command = [
            sys.executable, "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider",
            "--no-header", "-o", "addopts=", *(["-x"] if first else []),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, cwd=folder, env=env, capture_output=True, text=True,
                timeout=PER_MUTANT_TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return Result(mutant, "killed", time.perf_counter() - start, "timed out")
        seconds = time.perf_counter() - start
        lines = (done.stdout + done.stderr).strip().splitlines()
        failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
        summary = lines[-1] if lines else ""
        if done.returncode == 0:
            return Result(mutant, "survived", seconds, summary)
        if done.returncode == 1 and failed:
            names = [line.split(" ", 1)[1].split(" - ")[0] for line in failed]
            return Result(mutant, "killed", seconds, ", ".join(names))
        return Result(mutant, "error", seconds, f"pytest exit {done.returncode}: {summary}")
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"{mutant.key}: kept {folder}", file=sys.stderr)


def table(results: list[Result]) -> str:
    rows = [
        "| mutant | file | change | result | failing test | s |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        mark = r.status + (" (equivalent)" if r.mutant.equivalent else "")
        detail = r.detail.replace("|", "\\|")
        rows.append(
            f"| {r.mutant.key} | `{Path(r.mutant.path).name}` | {r.mutant.what} | {mark} "
            f"| `{detail}` | {r.seconds:.0f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants at a time (default 2)")
    parser.add_argument("--only", default="", help="comma-separated keys, e.g. M01,M07")
    parser.add_argument("--keep", action="store_true", help="keep each mutant's copy")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--tests", default="", help=f"comma-separated test paths (default {','.join(TESTS)})"
    )
    parser.add_argument(
        "--all-failures",
        action="store_true",
        help="run on after a failure, list every failing test",
    )
    args = parser.parse_args(argv)
    chosen = [mu for mu in MUTANTS if not args.only or mu.key in args.only.split(",")]
    if args.list:
        for mu in chosen:
            print(f"{mu.key}  {mu.path}: {mu.what}")
        return 0
    started = time.perf_counter()
    print(f"{len(chosen)} mutants, {args.jobs} at a time", file=sys.stderr)

    def one(mu: Mutant) -> Result:
        result = run_one(mu, args.keep, tests, first=not args.all_failures)
        print(f"{mu.key} {result.status:9s} {result.seconds:5.0f} s  {mu.what}", file=sys.stderr)
        return result

    tests = tuple(args.tests.split(",")) if args.tests else TESTS
    baseline = run_one(Mutant("M00", f"{ENGINE}/rules.py", "", "", "no change"), False, tests)
    if baseline.status != "survived":  # the real code must pass, or every mutant looks killed
        print(f"the unmutated copy fails its tests ({baseline.detail}): fix that first")
        return 2
    print(f"M00 passes     {baseline.seconds:5.0f} s  no change (the baseline)", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, chosen))
    counts = {
        s: sum(r.status == s for r in results) for s in ("killed", "survived", "stale", "error")
    }
    bad = [r for r in results if r.status != "killed" and not r.mutant.equivalent]
    print(table(results))
    print(
        f"\n{counts['killed']} killed, {counts['survived']} survived, {counts['stale']} stale, "
        f"{counts['error']} errors of {len(results)} "
        f"({sum(mu.equivalent for mu in chosen)} marked equivalent); "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
