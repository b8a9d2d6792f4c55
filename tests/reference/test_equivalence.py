"""The engine and the plain-Mesa reference agree in distribution.

The reference (``benchmarks/reference``) writes every rule of MODEL.md §4 out per
agent, with Mesa's own random numbers; the engine is leadsim's batch engine. For
three contrasting scenarios — abdication (reverts), the integrated head in ASERT
cycles (holds, with reflection and replanning), and an accountability shock to a
moderately containing head (an event, and hysteresis) — 200 runs of each, at the
scenarios' own 60 staff and 156 weeks, give per-run summaries (MODEL.md §6). Each
continuous summary is compared with a two-sample Kolmogorov–Smirnov test and
``reverted`` with Fisher's exact test. The family-wise level is α = 0.001 over all
the file's comparisons (Bonferroni): each test must have p ≥ α / 30.

Seeds are fixed, and the engine's and the reference's seeds are disjoint, so the
two samples are independent (with equal seeds both would run on the same networks).
The last tests show that the procedure has power: the same comparison rejects an
engine whose containment is 0.58 instead of 0.6, or whose collision rate is 0.45
instead of 0.6. Its power has limits: anxiety contagion 0.15 instead of 0.2 goes
unnoticed (the DeGroot averaging barely moves per-run summaries).
"""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
from scipy import stats

from leadsim.config import find_scenario
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import summaries_of
from reference import run_reference

pytestmark = pytest.mark.slow

SCENARIOS = ("abdication", "integrated_cycles", "inspection_low_containment")
RUNS = 200
ENGINE_SEED = 20_260_000
REFERENCE_SEED = 30_260_000
CONTINUOUS = (
    "final_distribution_index",
    "peak_anxiety",
    "mean_anxiety",
    "leader_peak_anxiety",
    "final_trust",
    "capacity_built",
    "mean_success_rate",
    "mean_conflict_rate",
    "mean_dependency",
)
FAMILY_ALPHA = 0.001
TESTS = len(SCENARIOS) * (len(CONTINUOUS) + 1)  # + the proportion test of `reverted`
LEVEL = FAMILY_ALPHA / TESTS  # Bonferroni


def engine_summaries(name: str, **changes) -> dict[str, np.ndarray]:
    """Per-run summaries of ``RUNS`` runs of a shipped scenario, batched in one engine."""
    scenario = find_scenario(name)
    params = scenario.params.replace(**changes) if changes else scenario.params
    runs = [
        RunSpec(params, ENGINE_SEED + i, scenario.organisations, scenario.events)
        for i in range(RUNS)
    ]
    engine = Engine(runs)
    engine.run(scenario.horizon)
    return summaries_of(engine)


@pytest.fixture(scope="module")
def reference_summaries() -> dict[str, dict[str, np.ndarray]]:
    """Per-run summaries of ``RUNS`` reference runs of each scenario, on two processes."""
    tasks = []
    for name in SCENARIOS:
        scenario = find_scenario(name)
        tasks += [
            (
                RunSpec(
                    scenario.params, REFERENCE_SEED + i, scenario.organisations, scenario.events
                ),
                scenario.horizon,
            )
            for i in range(RUNS)
        ]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(run_reference, tasks, chunksize=10)
    samples = {}
    for k, name in enumerate(SCENARIOS):
        runs = [organisations[0] for organisations in results[k * RUNS : (k + 1) * RUNS]]
        samples[name] = {key: np.array([run[key] for run in runs]) for key in runs[0]}
    return samples


def p_values(engine: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> dict[str, float]:
    """KS p-value per continuous summary, Fisher's exact p-value for the share reverted."""
    tested = {
        name: stats.ks_2samp(engine[name], reference[name], method="asymp").pvalue
        for name in CONTINUOUS
    }
    a, b = int(engine["reverted"].sum()), int(reference["reverted"].sum())
    tested["reverted"] = stats.fisher_exact([[a, RUNS - a], [b, RUNS - b]]).pvalue
    return tested


@pytest.mark.parametrize("name", SCENARIOS)
def test_engine_and_reference_agree_in_distribution(name, reference_summaries):
    tested = p_values(engine_summaries(name), reference_summaries[name])
    rejected = {summary: p for summary, p in tested.items() if p < LEVEL}
    assert not rejected, f"{name}: engine and reference differ (p < {LEVEL:.1e}): {rejected}"


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("integrated_cycles", {"containment": 0.1}),  # a holding head against an abdicating one
        ("integrated_cycles", {"containment": 0.58}),  # 0.6 in the reference: a 3 % change
        ("abdication", {"collision_rate": 0.45}),  # one staff rule's constant, 0.6 → 0.45
    ],
)
def test_the_comparison_detects_a_changed_parameter(name, changes, reference_summaries):
    tested = p_values(engine_summaries(name, **changes), reference_summaries[name])
    assert min(tested.values()) < LEVEL, f"{name} with {changes} went undetected: {tested}"
