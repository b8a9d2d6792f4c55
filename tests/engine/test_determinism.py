"""Randomness that does not depend on batching (MODEL.md §8), checked bit for bit.

A run must give identical arrays alone and inside a batch of other runs with other
parameters and sizes, wherever it sits in the batch; the same seed must repeat
exactly, and another seed must differ.
"""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of
from leadsim.engine.metrics import METRICS
from leadsim.events import make_event
from leadsim.params import Parameters

STEPS = 40
# leadership_centralization is checked on its own below (a known batch dependence)
CENTRALIZATION = "leadership_centralization"
EXACT_METRICS = tuple(name for name in METRICS if name != CENTRALIZATION)
STAFF_STATE = (
    "role",
    "expertise",
    "authority",
    "resting_authority",
    "trust",
    "peer_trust",
    "anxiety",
    "dependency",
    "threshold",
    "recently_led",
    "leading",
    "succeeded",
    "in_conflict",
    "unresolved",
    "history",
)
ORG_STATE = (
    "containment",
    "heroic_identification",
    "role_clarity",
    "final_target",
    "distribution",
    "leader_anxiety",
    "pressure",
    "support",
    "target",
    "cycle_acts",
    "cycle_successes",
)

RUN_A = RunSpec(
    Parameters(policy="integrated", approach="cycles", n_staff=30, learning_group=True),
    seed=12345,
    events=(make_event(15, "accountability_shock", size=1.5),),
)
RUN_B = RunSpec(Parameters(n_staff=37, policy="delegating"), seed=777)
RUN_C = RunSpec(
    Parameters(
        n_staff=25, policy="egalitarian", learning_group=True, network_model="watts_strogatz"
    ),
    seed=99,
    organisations=3,
)


def simulate(runs: list[RunSpec], steps: int = STEPS) -> Engine:
    engine = Engine(runs)
    engine.run(steps)
    return engine


def staff_slice(engine: Engine, run: int) -> slice:
    staff = np.flatnonzero(engine.run_of_staff == run)
    return slice(int(staff[0]), int(staff[-1]) + 1)


def org_index(engine: Engine, run: int) -> np.ndarray:
    return np.flatnonzero(engine.org_run == run)


def assert_same_run(
    alone: Engine, batch: Engine, run: int, metrics: tuple[str, ...] = METRICS
) -> None:
    """Run 0 of ``alone`` equals run ``run`` of ``batch``, bit for bit."""
    sl, orgs = staff_slice(batch, run), org_index(batch, run)
    assert sl.stop - sl.start == alone.n_staff
    for name in STAFF_STATE:
        assert np.array_equal(getattr(alone, name), getattr(batch, name)[sl]), name
    for name in ORG_STATE:
        assert np.array_equal(getattr(alone, name), getattr(batch, name)[orgs]), name
    # the network: the run's diagonal block, and no links leaving it
    block = batch.adjacency[sl, sl]
    assert (alone.adjacency != block).nnz == 0
    assert batch.adjacency[sl, :].nnz == alone.adjacency.nnz
    # the recorded series, per metric, each step
    series_alone, series_batch = series_of(alone), series_of(batch)
    for name in metrics:
        assert np.array_equal(series_alone[name], series_batch[name][:, orgs]), f"metric {name}"


def test_same_seed_gives_identical_arrays():
    first, second = simulate([RUN_A]), simulate([RUN_A])
    assert_same_run(first, second, 0, METRICS)


def test_same_seed_identical_for_multi_organisation_run():
    first, second = simulate([RUN_C]), simulate([RUN_C])
    assert_same_run(first, second, 0, METRICS)


@pytest.mark.parametrize(
    "batch", [[RUN_A, RUN_B, RUN_C], [RUN_B, RUN_A, RUN_C], [RUN_C, RUN_B, RUN_A]]
)
def test_run_alone_equals_run_in_a_mixed_batch(batch):
    alone = simulate([RUN_A])
    together = simulate(batch)
    assert_same_run(alone, together, batch.index(RUN_A))


def test_each_run_of_a_batch_equals_itself_alone():
    together = simulate([RUN_C, RUN_A, RUN_B])
    for position, run in enumerate([RUN_C, RUN_A, RUN_B]):
        assert_same_run(simulate([run]), together, position)


def centralization_alone_and_in(batch: list[RunSpec]) -> tuple[np.ndarray, np.ndarray]:
    alone = series_of(simulate([RUN_A]))[CENTRALIZATION]
    together = simulate(batch)
    return alone, series_of(together)[CENTRALIZATION][:, org_index(together, batch.index(RUN_A))]


@pytest.mark.parametrize("batch", [[RUN_A, RUN_B, RUN_C], [RUN_B, RUN_A, RUN_C]])
def test_centralization_alone_and_in_batch_agree_to_rounding(batch):
    alone, together = centralization_alone_and_in(batch)
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-12)


@pytest.mark.parametrize("batch", [[RUN_A, RUN_B, RUN_C], [RUN_B, RUN_A, RUN_C]])
def test_centralization_alone_equals_in_batch_bit_for_bit(batch):
    alone, together = centralization_alone_and_in(batch)
    assert np.array_equal(alone, together)


def test_a_run_is_unaffected_by_copies_of_itself_with_other_seeds():
    batch = [RunSpec(RUN_A.params, seed, events=RUN_A.events) for seed in (1, 2, RUN_A.seed, 3)]
    assert_same_run(simulate([RUN_A]), simulate(batch), 2)


def test_different_seeds_differ():
    a = simulate([RUN_A])
    b = simulate([RunSpec(RUN_A.params, RUN_A.seed + 1, events=RUN_A.events)])
    for name in ("expertise", "authority", "trust", "anxiety", "threshold"):
        assert not np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.adjacency != b.adjacency).nnz > 0
    assert not np.array_equal(
        series_of(a)["distribution_index"], series_of(b)["distribution_index"]
    )


def test_organisations_of_one_run_differ():
    engine = simulate([RUN_C], steps=5)
    n = RUN_C.params.n_staff
    first, second = engine.anxiety[:n], engine.anxiety[n : 2 * n]
    assert not np.array_equal(first, second)
    assert (engine.adjacency[:n, :n] != engine.adjacency[n : 2 * n, n : 2 * n]).nnz > 0


@pytest.mark.parametrize("position", [0, 1, 2])
def test_per_run_summaries_alone_equal_summaries_in_a_batch(position):
    from leadsim.engine.core import summaries_of

    others = [RUN_B, RUN_C]
    batch = [*others[:position], RUN_A, *others[position:]]
    alone = summaries_of(simulate([RUN_A]))
    together = summaries_of(simulate(batch))
    orgs = org_index(simulate(batch), position)
    for name, values in alone.items():
        assert np.array_equal(values, together[name][orgs]), name
