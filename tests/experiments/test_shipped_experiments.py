"""The experiments shipped in experiments/: valid, of the promised size, every run plannable."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadsim.experiments import expand, load_experiment, plan_runs
from leadsim.params import POLICIES

FOLDER = Path(__file__).resolve().parents[2] / "experiments"
SHIPPED = sorted(FOLDER.glob("*.toml"))


def test_the_five_experiments_are_shipped():
    assert {p.stem for p in SHIPPED} >= {
        "policy_comparison",
        "phase_diagram",
        "learning_group",
        "hysteresis",
        "morris_screening",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_shipped_experiment_plans_every_run_validly(path):
    experiment = load_experiment(path)
    plans = plan_runs(experiment, expand(experiment))
    assert all(plan.error == "" for plan in plans), next(p.error for p in plans if p.error)
    assert experiment.description and experiment.title


def test_policy_comparison_crosses_every_policy_with_both_approaches():
    experiment = load_experiment(FOLDER / "policy_comparison.toml")
    values = {f.name: f.values for f in experiment.factors}
    assert set(values["policy"]) == set(POLICIES)
    assert set(values["approach"]) == {"quick_fix", "cycles"}
    assert experiment.replicates >= 100 and experiment.series_every == 4
    assert len(expand(experiment)) == 1000


def test_the_phase_diagram_spans_containment_and_pressure():
    experiment = load_experiment(FOLDER / "phase_diagram.toml")
    assert experiment.factor_names == ("containment", "pressure_baseline")
    assert all(len(f.values) >= 5 for f in experiment.factors)


def test_hysteresis_raises_then_lowers_pressure_slowly():
    experiment = load_experiment(FOLDER / "hysteresis.toml")
    up, down = sorted(experiment.ramps, key=lambda r: r.start)
    assert up.parameter == down.parameter == "pressure_baseline"
    assert up.stop_value > up.start_value and down.stop_value == up.start_value
    assert down.start >= up.stop
    assert abs((down.stop - down.start) - (up.stop - up.start)) <= down.every  # as slowly
    assert (up.stop - up.start) / up.every >= 20  # slowly: many small steps


def test_morris_screens_the_parameters_in_ranges_around_their_defaults():
    experiment = load_experiment(FOLDER / "morris_screening.toml")
    assert experiment.method == "morris" and len(experiment.factors) >= 60
    for factor in experiment.factors:
        assert factor.low < factor.high
