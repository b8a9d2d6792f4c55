"""leadsim.ema: EMA Workbench experiments evaluated in batches, the same as run by run."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from ema_workbench import Constant, RealParameter, SequentialEvaluator
from ema_workbench.util import EMAError
from hypothesis import given, settings
from hypothesis import strategies as st

from leadsim.config import find_scenario
from leadsim.ema import (
    OUTCOMES,
    BatchEvaluator,
    LeadsimModel,
    outcomes,
    parameter,
    parameters,
    perform_experiments,
)
from leadsim.experiments import ExperimentError, run_seeds
from leadsim.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
HORIZON = 40


def _model(**changes):
    kwargs = {
        "uncertainties": parameters(
            ("containment", 0.0, 1.0),
            ("anxiety_contagion", 0.05, 0.5),
            ("n_staff", 12, 30),  # runs of several sizes: several batches
            "policy",
            "learning_group",
        ),
        "horizon": HORIZON,
        "seed": 11,
    }
    return LeadsimModel("leadsim", "integrated", **{**kwargs, **changes})


def _alone(base, row, seed):
    """One experiment simulated alone with simulate(): its per-run summary."""
    changes = {
        "containment": float(row["containment"]),
        "anxiety_contagion": float(row["anxiety_contagion"]),
        "n_staff": int(row["n_staff"]),
        "policy": str(row["leader_policy"]),
        "learning_group": bool(row["learning_group"]),
    }
    summary = simulate(base.with_changes(**changes), seed=int(seed), steps=HORIZON).summary
    return summary.iloc[0]


def _same(batched, alone, name):
    if name == "time_to_reversion":
        # simulate() marks "did not revert" with -1 or <NA>; EMA's arrays with NaN
        expected = math.nan if pd.isna(alone) or alone < 0 else float(alone)
        return (math.isnan(batched) and math.isnan(expected)) or batched == expected
    return batched == alone


@settings(max_examples=4, deadline=None)
@given(n=st.integers(min_value=1, max_value=12), seed=st.integers(0, 2**63 - 1))
def test_batched_outcomes_equal_simulate_run_by_run(n, seed):
    model = _model(seed=seed)
    table, results = perform_experiments(model, n, batch_size=5, log_progress=True)
    base = find_scenario("integrated")
    seeds = run_seeds(seed, np.arange(n))
    for i, row in table.iterrows():
        alone = _alone(base, row, seeds[i])
        for name in OUTCOMES:
            assert _same(results[name][i], alone[name], name), (i, name)


def test_replications_reduce_runs_seeded_by_experiment_and_replicate():
    model = _model(
        replications=3,
        outcomes=outcomes("final_distribution_index", "reverted", function=np.mean),
    )
    table, results = perform_experiments(model, 4, log_progress=True)
    base = find_scenario("integrated")
    for i, row in table.iterrows():
        seeds = run_seeds(11, np.arange(3 * i, 3 * i + 3))
        runs = [_alone(base, row, s) for s in seeds]
        assert results["final_distribution_index"][i] == pytest.approx(
            np.mean([r["final_distribution_index"] for r in runs]), abs=1e-12
        )
        assert results["reverted"][i] == pytest.approx(np.mean([r["reverted"] for r in runs]))


def test_same_seed_same_outcomes_whatever_the_batch_size_or_processes():
    from ema_workbench import Samplers

    model = _model()
    sampled = Samplers.LHS.value.generate_samples(model.uncertainties, 10, rng=3)
    _, a = perform_experiments(model, sampled, batch_size=3, log_progress=True)
    _, b = perform_experiments(model, sampled, batch_size=100, n_processes=2, log_progress=True)
    for name in OUTCOMES:
        np.testing.assert_array_equal(a[name], b[name])


def test_parameters_take_leadsim_names_and_ranges():
    made = {p.name: p for p in parameters("containment", "n_staff", "policy", "learning_group")}
    assert (made["containment"].lower_bound, made["containment"].upper_bound) == (0.0, 1.0)
    assert type(made["n_staff"]).__name__ == "IntegerParameter"
    assert made["leader_policy"].variable_name == ["policy"]
    assert {c.value for c in made["leader_policy"].categories} >= {"integrated", "delegating"}
    assert type(made["learning_group"]).__name__ == "BooleanParameter"
    assert parameter("shock_size", 0.5, 2).upper_bound == 2.0
    assert [o.name for o in outcomes()] == list(OUTCOMES)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: parameter("containmnt"), "did you mean 'containment'"),
        (lambda: parameter("containment", 0.2, 1.5), "out of range"),
        (lambda: parameter("policy", values=["integrated", "anarchy"]), "anarchy"),
        (lambda: outcomes("reverts"), "did you mean 'reverted'"),
        (lambda: _model(uncertainties=[RealParameter("contagion", 0, 1)]), "not a leadsim setting"),
        (lambda: _model(uncertainties=[RealParameter("policy", 0, 1)]), "EMA keeps this name"),
        (lambda: _model(constants=[Constant("pressur", 1.0)]), "not a leadsim setting"),
        (lambda: _model(replications=2), "needs a function"),
        (lambda: LeadsimModel(scenario="no_such_scenario"), "no such scenario"),
        (lambda: _model(uncertainties=parameters(("shock_size", 0.0, 2.0))), "needs shock_step"),
    ],
)
def test_bad_names_give_one_line_errors(make, words):
    with pytest.raises(ExperimentError) as err:
        make()
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_refused_runs_are_masked_and_said_or_raised():
    model = _model(
        uncertainties=parameters(("tolerance_low", 0.0, 1.0), ("tolerance_high", 0.0, 1.0))
    )
    evaluator = BatchEvaluator(model)
    with pytest.warns(RuntimeWarning, match="failed"):
        table, results = evaluator.perform_experiments(20, log_progress=True)
    bad = table["tolerance_low"] > table["tolerance_high"]
    assert bad.any() and not bad.all()
    assert np.ma.getmaskarray(results["reverted"]).tolist() == bad.tolist()
    assert all("tolerance_low" in why for why in evaluator.failures.values())
    with pytest.raises(ExperimentError, match="tolerance_low"):
        perform_experiments(model, 20, on_error="raise", log_progress=True)


def test_constants_shocks_and_organisations():
    model = _model(
        uncertainties=parameters(("shock_size", 0.0, 3.0), ("organisations", 1, 3)),
        constants=[Constant("shock_step", 10)],
    )
    _, results = perform_experiments(model, 6, log_progress=True)
    assert results["reverted"].dtype == float  # a share where runs have several organisations
    assert ((results["reverted"] >= 0) & (results["reverted"] <= 1)).all()


def test_emas_own_evaluators_are_refused_in_one_line():
    with pytest.raises(EMAError, match="BatchEvaluator"):
        SequentialEvaluator(_model()).perform_experiments(2, log_progress=True)


def test_the_prim_example_finds_a_box():
    spec = importlib.util.spec_from_file_location("ema_prim", ROOT / "examples" / "ema_prim.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    found = example.run(300, horizon=104)
    assert 0 < found["base_rate"] < 1
    assert found["density"] > found["base_rate"]
    assert len(found["limits"]) >= 1


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_leadsim_never_imports_ema_workbench():
    done = _python(
        "import sys, leadsim, leadsim.experiments.points, leadsim.simulate\n"
        "assert 'ema_workbench' not in sys.modules, 'imported'"
    )
    assert done.returncode == 0, done.stderr


def test_without_ema_workbench_one_line_says_what_to_install():
    done = _python("import sys; sys.modules['ema_workbench'] = None; import leadsim.ema")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and "pip install leadsim[ema]" in last
