"""The wheel carries what a pip user needs outside the checkout: the shipped scenarios and experiments."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from leadsim.config import EXPERIMENT_DIR, SCENARIO_DIR
from leadsim.experiments import load_experiment

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("uv") is None, reason="needs uv to build the wheel")
def test_the_wheel_carries_every_shipped_scenario_and_experiment(tmp_path):
    subprocess.run(
        ["uv", "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("leadsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("scenarios", "experiments", "calibration"):
        shipped = sorted(p.name for p in (ROOT / kind).glob("*.toml"))
        assert shipped
        missing = [n for n in shipped if f"leadsim/shipped/{kind}/{n}" not in names]
        assert missing == [], f"{kind} missing from the wheel: {missing}"


def test_a_shipped_experiment_is_found_by_name_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no experiments/ folder here
    assert SCENARIO_DIR.is_dir() and EXPERIMENT_DIR.is_dir()
    by_name = load_experiment("policy_comparison")
    by_path = load_experiment("experiments/policy_comparison.toml")
    assert by_name.path == by_path.path == EXPERIMENT_DIR / "policy_comparison.toml"
    assert by_name.sha256 == by_path.sha256
