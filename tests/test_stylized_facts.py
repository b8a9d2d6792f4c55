"""The seven stylized facts of MODEL.md §7, each a statistical test over 30+ replicates.

Replicates of one scenario advance together in one batch engine (seeds 0..n-1 offset
by a fixed base), so the whole file runs in seconds. Each assertion is a stated test
at a stated level, or a share that the replicates clear with a wide margin.

``LEADSIM_TEST_DEVICE=gpu`` runs every replicate on the GPU engine instead
(``benchmarks/gpu.py`` does, on a machine with a GPU).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy import stats

from leadsim.config import find_scenario
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of, summaries_of

REPLICATES = 30
BASE_SEED = 20_261_123
ALPHA = 1e-4  # every test's significance level
DEVICE = os.environ.get("LEADSIM_TEST_DEVICE", "cpu")


def replicate(name: str, replicates: int = REPLICATES, **changes):
    """Summaries and series of ``replicates`` runs of a shipped scenario (one batch)."""
    scenario = find_scenario(name)
    if changes:
        scenario = scenario.with_changes(**changes)
    runs = [
        RunSpec(scenario.params, BASE_SEED + i, scenario.organisations, scenario.events)
        for i in range(replicates)
    ]
    engine = Engine(runs, device=DEVICE)
    engine.run(scenario.horizon)
    return summaries_of(engine), series_of(engine)


def binomial_majority(successes: np.ndarray) -> float:
    """One-sided p-value that the share of True is not above one half."""
    return stats.binomtest(int(successes.sum()), successes.size, 0.5, "greater").pvalue


def less(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided Mann–Whitney p-value for 'a tends to be smaller than b'."""
    return stats.mannwhitneyu(a, b, alternative="less").pvalue


def fewer(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided Fisher exact p-value for 'a has a lower share of True than b'."""
    table = [[a.sum(), a.size - a.sum()], [b.sum(), b.size - b.sum()]]
    return stats.fisher_exact(table, alternative="less").pvalue


@pytest.fixture(scope="module")
def policies():
    """Summaries of every policy × approach pair."""
    pairs = {}
    for policy in ("hierarchical", "delegating", "egalitarian", "integrated", "adaptive"):
        for approach in ("quick_fix", "cycles"):
            pairs[policy, approach] = replicate(
                "integrated", policy=policy, approach=approach, containment=None
            )[0]
    return pairs


def test_fact1_abdication_reverts_within_two_years_with_falling_trust():
    summary, series = replicate("abdication")
    within = summary["reverted"] & (summary["time_to_reversion"] <= 104)
    assert within.mean() >= 0.8
    assert binomial_majority(within) < ALPHA
    first_week_trust, final_trust = series["trust"][0], series["trust"][-1]
    assert np.all(final_trust < first_week_trust - 0.3)


@pytest.mark.parametrize("scenario", ["integrated", "integrated_cycles"])
def test_fact2_hybrid_holds_with_lower_staff_anxiety_than_abdication(scenario, policies):
    summary, _ = replicate(scenario)
    assert binomial_majority(summary["final_distribution_index"] > 0.5) < ALPHA
    approach = "cycles" if scenario.endswith("cycles") else "quick_fix"
    delegating = policies["delegating", approach]
    assert less(summary["peak_anxiety"], delegating["peak_anxiety"]) < ALPHA


def test_fact3_a_shock_leaves_a_lasting_mark_only_under_low_containment():
    recovered = {}
    for name in ("inspection_low_containment", "inspection_high_containment"):
        _summary, series = replicate(name)
        index = series["distribution_index"]
        before = index[40:52].mean(axis=0)
        lowest = index[52:104].min(axis=0)
        end = index[144:156].mean(axis=0)
        assert np.all(lowest < before), name  # the index drops in both
        baseline = find_scenario(name).params.pressure_baseline
        assert np.allclose(series["pressure"][-1], baseline, atol=0.01)  # pressure has decayed
        recovered[name] = end >= 0.8 * before
    assert recovered["inspection_low_containment"].mean() <= 0.1
    assert recovered["inspection_high_containment"].mean() >= 0.9
    assert (
        fewer(recovered["inspection_low_containment"], recovered["inspection_high_containment"])
        < ALPHA
    )


def test_fact4_heads_in_a_learning_group_revert_far_less():
    with_group, _ = replicate("learning_group")
    without, _ = replicate("no_learning_group")
    assert with_group["reverted"].size == 6 * REPLICATES
    assert with_group["reverted"].mean() < 0.5 * without["reverted"].mean()
    assert fewer(with_group["reverted"], without["reverted"]) < ALPHA


@pytest.mark.parametrize(
    ("quick", "cycles"),
    [("abdication", "delegating_cycles"), ("egalitarian", "egalitarian_cycles")],
)
def test_fact5_cycles_beat_the_quick_fix(quick, cycles):
    q, _ = replicate(quick)
    c, _ = replicate(cycles)
    assert less(c["peak_anxiety"], q["peak_anxiety"]) < ALPHA
    assert fewer(c["reverted"], q["reverted"]) < ALPHA


@pytest.mark.parametrize("approach", ["quick_fix", "cycles"])
@pytest.mark.parametrize("measure", ["mean_anxiety", "capacity_built"])
def test_fact6_hierarchy_is_calm_but_builds_no_capacity(policies, approach, measure):
    hierarchy = policies["hierarchical", approach][measure]
    others = {pair: s[measure] for pair, s in policies.items() if pair[0] != "hierarchical"}
    for pair, values in others.items():
        assert hierarchy.mean() < values.mean(), pair
        assert less(hierarchy, values) < ALPHA, pair


def test_fact7_rivalry_refers_conflict_back_up():
    calm, _ = replicate("integrated")
    rivalry, _ = replicate("rivalry")
    assert less(calm["mean_conflict_rate"], rivalry["mean_conflict_rate"]) < ALPHA
    assert less(calm["mean_dependency"], rivalry["mean_dependency"]) < ALPHA
    assert fewer(calm["reverted"], rivalry["reverted"]) < ALPHA
