"""Calibration recovers a strong parameter, is reproducible from its seed, and resumes exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadsim.calibration import run as run_module
from leadsim.calibration.run import calibrate
from leadsim.calibration.simulator import simulate_targets
from leadsim.calibration.targets import CalibrationError, load_calibration
from leadsim.cli import main
from simulated_gpu import COUNT_ENGINES, no_cuda, simulator

TRUE_PEER_TRUST = 0.3
TEMPLATE = """
scenario = "integrated"
seed = 4
horizon = 30

[parameters]
n_staff = 30

[priors.peer_trust_mean]
distribution = "uniform"
low = 0.1
high = 0.9

[truth]
peer_trust_mean = {truth}

[[targets]]
name = "peer trust"
metric = "peer_trust"
weeks = [0, 12, 24]
observed = {observed}
standard_error = 0.02

[[targets]]
summary = "final_distribution_index"
observed = {final}
tolerance = 0.2

[budget]
population = 200
keep = 0.5
simulations = 1600
generations = 12
predictive = 50
"""


@pytest.fixture(scope="module")
def targets_file(tmp_path_factory) -> Path:
    """A targets file whose observations were simulated at peer_trust_mean = 0.3."""
    folder = tmp_path_factory.mktemp("targets")
    path = folder / "one.toml"
    path.write_text(TEMPLATE.format(truth=TRUE_PEER_TRUST, observed=[0.5] * 3, final=0.5))
    calibration = load_calibration(path)
    values = simulate_targets(calibration, np.array([[TRUE_PEER_TRUST]]), np.array([99]))[0, 0]
    observed = [round(float(v), 4) for v in values[:3]]
    path.write_text(
        TEMPLATE.format(truth=TRUE_PEER_TRUST, observed=observed, final=round(float(values[3]), 4))
    )
    return path


@pytest.fixture(scope="module")
def finished(targets_file, tmp_path_factory):
    return calibrate(targets_file, tmp_path_factory.mktemp("run") / "out", report=False)


def test_a_strong_parameter_is_recovered_with_a_narrow_interval(finished):
    low, high = finished.intervals(0.9)["peer_trust_mean"]
    assert low <= TRUE_PEER_TRUST <= high
    assert high - low < 0.5 * 0.8  # narrower than half the prior's range
    assert finished.manifest["status"] == "complete"
    assert finished.manifest["simulations"] <= 1600 + 50


def test_the_same_file_and_seed_give_the_same_posterior(targets_file, finished, tmp_path):
    again = calibrate(targets_file, tmp_path / "again", report=False)
    first = pd.read_parquet(finished.out / "posterior.parquet")
    second = pd.read_parquet(again.out / "posterior.parquet")
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(finished.predictive, again.predictive)


def test_an_interrupted_calibration_resumes_to_the_same_result(
    targets_file, finished, tmp_path, monkeypatch
):
    original = run_module.run_generation
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(run_module, "run_generation", interrupted)
    out = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        calibrate(targets_file, out, report=False)
    assert len(list((out / "generations").glob("*.parquet"))) == 3
    monkeypatch.setattr(run_module, "run_generation", original)
    with pytest.raises(CalibrationError, match="add --resume"):
        calibrate(targets_file, out, report=False)
    resumed = calibrate(targets_file, out, resume=True, report=False)
    pd.testing.assert_frame_equal(
        pd.read_parquet(finished.out / "posterior.parquet"),
        pd.read_parquet(resumed.out / "posterior.parquet"),
    )
    assert resumed.manifest["simulations"] == finished.manifest["simulations"]


def test_the_command_writes_the_posterior_and_report(targets_file, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["calibrate", str(targets_file), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "peer_trust_mean: 90% [" in printed
    assert "true 0.3 inside" in printed
    for name in ("posterior.parquet", "predictive.parquet", "calibration.json", "targets.toml"):
        assert (out / name).is_file()
    for name in ("report.md", "marginals.png", "pairs.png", "predictive.png"):
        assert (out / "report" / name).is_file()
    report = (out / "report" / "report.md").read_text()
    assert "peer trust week 12" in report
    assert main(["calibrate", str(targets_file), "--out", str(out), "--quiet"]) == 2
    assert "holds a calibration already" in capsys.readouterr().err


def test_the_posterior_does_not_depend_on_the_executor_or_batch_size(
    targets_file, finished, tmp_path
):
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    small_batches = replace(load_calibration(targets_file), batch_size=30)
    with ThreadPoolExecutor(2) as executor:
        other = calibrate(
            targets_file,
            tmp_path / "threads",
            executor=executor,
            calibration=small_batches,
            report=False,
        )
    pd.testing.assert_frame_equal(
        pd.read_parquet(finished.out / "posterior.parquet"),
        pd.read_parquet(other.out / "posterior.parquet"),
    )


def test_batches_go_to_a_dask_cluster_with_the_same_posterior(targets_file, finished, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        out = tmp_path / "dask"
        args = ["calibrate", str(targets_file), "--out", str(out), "--quiet"]
        assert main([*args, "--scheduler", cluster.scheduler_address]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(finished.out / "posterior.parquet"),
        pd.read_parquet(out / "posterior.parquet"),
    )


def test_simulations_caps_the_files_budget(targets_file, tmp_path, capsys):
    import json

    out = tmp_path / "capped"
    args = ["calibrate", str(targets_file), "--out", str(out), "--quiet"]
    assert main([*args, "--simulations", "500"]) == 0
    manifest = json.loads((out / "calibration.json").read_text())
    assert 0 < manifest["inference_simulations"] <= 500  # the predictive checks come after
    assert "simulations spent" in manifest["stop"]
    capsys.readouterr()
    with pytest.raises(SystemExit):  # argparse: a whole number from 1
        main([*args, "--simulations", "0"])
    assert "--simulations: 0 is not allowed; a whole number from 1" in capsys.readouterr().err


_ON_BOTH = (
    COUNT_ENGINES
    + """
import json, sys
import numpy as np
from leadsim.calibration.run import calibrate
file, out = sys.argv[1], sys.argv[2]
posteriors = {}
for device in ("cpu", "gpu"):
    result = calibrate(file, f"{out}/{device}", report=False, device=device)
    posteriors[device] = result.population.draws.tolist()
a, b = np.array(posteriors["cpu"]), np.array(posteriors["gpu"])
json.dump({"same_shape": a.shape == b.shape, "worst": float(np.max(np.abs(a - b))),
           "built": len(built)}, sys.stdout)
"""
)


def test_a_calibration_on_the_gpu_gives_the_cpus_posterior(tmp_path):
    """Under numba's CUDA simulator (as in tests/engine/test_gpu_kernels.py)."""
    import json
    import subprocess
    import sys

    small = TEMPLATE.format(truth=0.3, observed=[0.45, 0.4, 0.35], final=0.5)
    small = small.replace("horizon = 30", "horizon = 6").replace("n_staff = 30", "n_staff = 8")
    small = small.replace("weeks = [0, 12, 24]", "weeks = [0, 3, 5]")
    small = small.replace("population = 200", "population = 12").replace(
        "predictive = 50", "predictive = 4"
    )
    small = small.replace("simulations = 1600", "simulations = 24")
    path = tmp_path / "small.toml"
    path.write_text(small)
    env = simulator()
    done = subprocess.run(
        [sys.executable, "-c", _ON_BOTH, str(path), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["built"] > 0  # the GPU's engine ran the GPU calibration's batches
    assert result["same_shape"] and result["worst"] <= 1e-12


def test_a_calibration_asking_for_a_gpu_where_there_is_none_is_one_line(targets_file, tmp_path):
    import subprocess
    import sys

    env = no_cuda()
    out = tmp_path / "none"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadsim",
            "calibrate",
            str(targets_file),
            "--out",
            str(out),
            "--device",
            "gpu",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("leadsim: error: --device gpu: no CUDA GPU found")
    assert len(done.stderr.strip().splitlines()) == 1 and not out.exists()


def test_a_batch_whose_runs_all_failed_gives_missing_values(targets_file):
    from leadsim.calibration.simulator import target_values

    calibration = load_calibration(targets_file)
    runs = pd.DataFrame({"run_id": [0, 1], "organisation": [0, 0], "status": ["error", "error"]})
    weekly = next(t for t in calibration.targets if t.metric is not None)
    values = target_values(weekly, runs, None, 2, calibration.horizon)  # no series at all
    assert np.isnan(values).all()
