"""Running a calibration into a results folder: generations saved as they complete, resumable.

The folder holds:

- ``targets.toml``: a copy of the targets file (its checksum is in the manifest);
- ``generations/generation-NNN.parquet``: each generation's kept vectors, written
  (atomically) as it completes, with their log importance weights, replicate
  distances, weights, threshold and running totals, so an interrupted calibration
  resumes from the last complete generation and ends exactly as an uninterrupted one;
- ``posterior.parquet``: the final weighted sample (one row per vector: the
  parameters, ``weight``, ``distance``);
- ``predictive.parquet``: the posterior predictive draws of every target;
- ``calibration.json``: the manifest (file, checksum, seed, generations, simulations,
  seconds, stop reason, versions);
- ``report/``: ``report.md`` and its figures (:mod:`leadsim.calibration.report`).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.calibration.simulator import calibration_experiment, simulate_targets
from leadsim.calibration.smc import (
    PREDICTIVE_STREAM,
    Population,
    credible_interval,
    resample,
    run_generation,
    stop_reason,
)
from leadsim.calibration.targets import Calibration, CalibrationError, load_calibration

MANIFEST = "calibration.json"
SNAPSHOT = "targets.toml"
GENERATIONS = "generations"
POSTERIOR = "posterior.parquet"
PREDICTIVE = "predictive.parquet"
KIND = "leadsim calibration"


@dataclass(frozen=True)
class CalibrationResult:
    """What a finished calibration produced."""

    calibration: Calibration
    population: Population
    predictive: pd.DataFrame
    manifest: dict[str, Any]
    out: Path

    def intervals(self, level: float = 0.9) -> dict[str, tuple[float, float]]:
        """Each parameter's central credible interval at ``level``."""
        weights = self.population.weights
        return {
            name: credible_interval(self.population.draws[:, k], weights, level)
            for k, name in enumerate(self.calibration.parameter_names)
        }


def calibrate(
    path: str | Path,
    out: str | Path,
    *,
    resume: bool = False,
    executor: Executor | None = None,
    report: bool = True,
    progress: Callable[[str], None] | None = None,
    calibration: Calibration | None = None,
    device: str = "cpu",
) -> CalibrationResult:
    """Calibrate the targets file at ``path`` into the folder ``out``.

    Args:
        path: A targets file, or a shipped example's name.
        out: The results folder: new or empty, or (with ``resume``) one this file began.
        resume: Continue the calibration in ``out`` from its last complete generation.
        executor: Where batches of runs go (default: this process).
        report: Write ``report/`` (figures and Markdown) at the end.
        progress: Called with one line per generation.
        calibration: The file, already validated (``path`` is then only its name).
        device: Where the engine runs: ``"cpu"``, or ``"gpu"`` (a CUDA GPU here, or on
            the executor's workers; see ``docs/gpu.md``). Draws, thresholds and weights
            are the same computation either way; a GPU's runs may differ from the CPU's
            in the last bits of floats.

    Raises:
        CalibrationError: a mistake in the file or the folder (one line).
    """
    calibration = calibration or load_calibration(path)
    _check_device(device, local=_is_local(executor))
    out = Path(out)
    previous = _open_folder(calibration, out, resume)
    experiment = calibration_experiment(calibration)

    def simulate(draws: np.ndarray, seeds: np.ndarray, replicates: int | None = None) -> np.ndarray:
        return simulate_targets(
            calibration,
            draws,
            seeds,
            replicates=replicates,
            executor=executor,
            experiment=experiment,
            device=device,
        )

    population = previous
    reason = None if population is None else stop_reason(calibration, population)
    while population is None or reason is None:
        population = run_generation(calibration, simulate, population, time.perf_counter())
        _save_generation(out, calibration, population)
        reason = stop_reason(calibration, population)
        if progress is not None:
            progress(
                f"generation {population.generation}: threshold {population.epsilon:.3g}, "
                f"{100 * population.acceptance:.0f}% of new draws kept, "
                f"{population.simulations} runs, {population.seconds:.1f} s"
            )
    started = time.perf_counter()
    predictive = posterior_predictive(calibration, population, simulate)
    seconds = population.seconds + time.perf_counter() - started
    _write_frame(out / POSTERIOR, posterior_frame(calibration, population))
    _write_frame(out / PREDICTIVE, predictive)
    manifest = _manifest(calibration, population, reason, len(predictive), seconds)
    _write_json(out / MANIFEST, manifest)
    result = CalibrationResult(calibration, population, predictive, manifest, out)
    if report:
        from leadsim.calibration.report import write_report

        write_report(result, out / "report")
    return result


def _is_local(executor: Executor | None) -> bool:
    """Whether batches run on this machine (this process, or its own pool of processes)."""
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from leadsim.experiments.runner import InProcessExecutor

    local = (InProcessExecutor, ProcessPoolExecutor, ThreadPoolExecutor)
    return executor is None or isinstance(executor, local)


def _check_device(device: str, local: bool) -> None:
    """One line where the calibration cannot run on ``device`` (before anything is written)."""
    if device not in ("cpu", "gpu"):
        raise CalibrationError(f"--device: {device!r} is not a device; allowed: cpu or gpu")
    if device == "gpu" and local:
        from leadsim.engine import gpu  # only now: a CPU calibration never loads CUDA

        try:
            gpu.require()
        except RuntimeError as err:
            raise CalibrationError(f"--device gpu: {err}") from None


def posterior_predictive(
    calibration: Calibration, population: Population, simulate: Callable[..., np.ndarray]
) -> pd.DataFrame:
    """The targets simulated (one run each, with observation noise) at posterior draws."""
    size = calibration.predictive
    names = calibration.parameter_names
    if size == 0:
        return pd.DataFrame(columns=[*names, *(t.name for t in calibration.targets)])
    rng = np.random.default_rng([calibration.seed, PREDICTIVE_STREAM])
    draws = resample(population, size, rng)
    seeds = rng.integers(0, 2**63 - 1, size=size, dtype=np.int64)
    values = simulate(draws, seeds, 1)[:, 0, :]
    scale = np.array(
        [t.scale if t.standard_error is not None else 0.0 for t in calibration.targets]
    )
    values = values + rng.standard_normal(values.shape) * scale
    frame = pd.DataFrame(draws, columns=list(names))
    for k, target in enumerate(calibration.targets):
        frame[target.name] = values[:, k]
    return frame


def posterior_frame(calibration: Calibration, population: Population) -> pd.DataFrame:
    """The final weighted sample: the parameters, ``weight`` and ``distance``."""
    frame = pd.DataFrame(population.draws, columns=list(calibration.parameter_names))
    frame["weight"] = population.weights
    frame["distance"] = population.distances.min(axis=1)
    return frame


# --- the folder -----------------------------------------------------------------------------


def _open_folder(calibration: Calibration, out: Path, resume: bool) -> Population | None:
    """Start a calibration in ``out``, or reopen the one there; the last saved generation."""
    if out.exists() and not out.is_dir():
        raise CalibrationError(f"{out}: not a folder; choose another --out")
    manifest_path = out / MANIFEST
    if manifest_path.is_file():
        if not resume:
            raise CalibrationError(
                f"{out}: holds a calibration already; add --resume to continue it, "
                "or choose another --out"
            )
        snapshot = _read_json(manifest_path)
        if snapshot.get("sha256") != calibration.sha256:
            raise CalibrationError(
                f"{out}: was calibrated from another version of {calibration.path.name} "
                "(its checksum differs); allowed: resume with the same file, or a new --out"
            )
        return load_last_generation(out, calibration)
    if out.is_dir() and any(out.iterdir()):
        raise CalibrationError(f"{out}: not an empty folder; choose another --out")
    (out / GENERATIONS).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(calibration.path, out / SNAPSHOT)
    _write_json(manifest_path, _manifest(calibration, None, None, 0, 0.0))
    return None


def load_last_generation(out: Path, calibration: Calibration) -> Population | None:
    """The last complete generation saved in ``out`` (None if there is none)."""
    files = sorted((out / GENERATIONS).glob("generation-*.parquet"))
    if not files:
        return None
    frame = pd.read_parquet(files[-1])
    names = list(calibration.parameter_names)
    replicates = [c for c in frame.columns if c.startswith("distance_")]
    return Population(
        generation=int(frame["generation"].iloc[0]),
        draws=frame[names].to_numpy(np.float64),
        log_importance=frame["log_importance"].to_numpy(np.float64),
        distances=frame[replicates].to_numpy(np.float64),
        epsilon=float(frame["epsilon"].iloc[0]),
        acceptance=float(frame["acceptance"].iloc[0]),
        simulations=int(frame["simulations"].iloc[0]),
        seconds=float(frame["seconds"].iloc[0]),
    )


def _save_generation(out: Path, calibration: Calibration, population: Population) -> None:
    frame = pd.DataFrame(population.draws, columns=list(calibration.parameter_names))
    frame["log_importance"] = population.log_importance
    for r in range(population.distances.shape[1]):
        frame[f"distance_{r}"] = population.distances[:, r]
    frame["weight"] = population.weights
    frame["generation"] = population.generation
    frame["epsilon"] = population.epsilon
    frame["acceptance"] = population.acceptance
    frame["simulations"] = population.simulations
    frame["seconds"] = population.seconds
    _write_frame(out / GENERATIONS / f"generation-{population.generation:03d}.parquet", frame)


def _write_frame(path: Path, frame: pd.DataFrame) -> None:
    part = path.with_suffix(".part")
    frame.to_parquet(part, index=False)
    os.replace(part, path)  # a reader never sees half a file


def _write_json(path: Path, data: dict[str, Any]) -> None:
    part = path.with_suffix(".part")
    part.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(part, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CalibrationError(
            f"{path}: unreadable ({err}); allowed: a calibration's manifest"
        ) from None


def _manifest(
    calibration: Calibration,
    population: Population | None,
    reason: str | None,
    predictive: int,
    seconds: float,
) -> dict[str, Any]:
    import leadsim

    data: dict[str, Any] = {
        "kind": KIND,
        "file": str(calibration.path),
        "sha256": calibration.sha256,
        "scenario": calibration.scenario_ref,
        "seed": calibration.seed,
        "parameters": list(calibration.parameter_names),
        "targets": [t.name for t in calibration.targets],
        "status": "running" if reason is None else "complete",
        "versions": {
            "leadsim": leadsim.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
    }
    if population is not None:
        sims = population.simulations + predictive
        data.update(
            generations=population.generation + 1,
            epsilon=population.epsilon,
            acceptance=population.acceptance,
            stop=reason,
            simulations=sims,
            inference_simulations=population.simulations,
            predictive_simulations=predictive,
            seconds=round(seconds, 3),
            simulations_per_second=round(sims / seconds, 1) if seconds > 0 else None,
        )
    return data
