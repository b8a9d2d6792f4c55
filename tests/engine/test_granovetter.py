"""Docking: the engine's take-up rule reproduces Granovetter's (1978) riot model.

Granovetter, M. (1978). Threshold models of collective behavior. *American Journal of
Sociology* 83(6), 1420–1443. A person's threshold is the number (or proportion) of
others who must join before they do (paraphrased); his example crowd is 100 people whose
thresholds are normal with mean 25 and standard deviation σ. The equilibrium number
of rioters jumps from a handful to all 100 as σ crosses a critical value (about 12.2
for the map r ← 100·Φ((r − 25)/σ) of the expected distribution). The seeds of this
project (``/work/shared/seeds/``) cite neither Granovetter nor threshold models; MODEL.md
§4 calls the take-up rule "a threshold model, as Granovetter's".

How the engine's rule reduces to his. The engine runs as it is, through its own
compiled kernels (offers, take-up, staff update, the count of neighbours who led);
only the state that the take-up rule reads is pinned, by an :class:`Extension`, each
week after the leader's step:

- the network is complete: one department of 100, ``p_within`` 1, no cross links, so
  each person sees the other 99 and L̄ = m/99, m = others who led last week;
- everyone is offered an opportunity every week: ``distribution`` 1, access 1;
- authority and anxiety are set to 0, and the weights of trust and dependency are 0,
  so the drive is γ·L̄ − θ;
- γ (``social_proof_weight``) is 5, its largest allowed value, and β
  (``takeup_sharpness``) 1000, the sharpest allowed;
- a person with Granovetter threshold x (people) joins when m ≥ x, that is when
  m ≥ n = max(0, ⌈x⌉) since m is a whole number; the engine's threshold is set to
  θ = γ·(n − ½)/99. The drive γ·(m − n + ½)/99 is then at least γ/198 away from 0,
  and σ(1000·5/198) = 1 − 1.1·10⁻¹¹: take-up is his step rule, bar one wrong decision
  in about 10¹¹.

The engine's week is not cumulative (a person leads again only if over threshold
again), but with thresholds fixed the set of leaders only grows, so week t's leaders
are Granovetter's rioters after t rounds: instigators (n = 0) at week 0, each later
week those who see enough others. This mapping is recorded in ``docs/odd.md``
("Docking: Granovetter's riot model").
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from leadsim.engine import Engine, Extension, RunSpec
from leadsim.params import Parameters

CROWD = 100
GAMMA = 5.0  # social_proof_weight at its maximum
MEAN = 25.0
PARAMS = Parameters(
    n_staff=CROWD,
    department_size=CROWD,
    p_within=1.0,
    cross_links=0.0,
    access_senior=1.0,
    access_academic=1.0,
    access_professional=1.0,
    takeup_sharpness=1000.0,
    social_proof_weight=GAMMA,
    takeup_trust_weight=0.0,
    takeup_dependency_weight=0.0,
)


def others_needed(x: np.ndarray) -> np.ndarray:
    """Granovetter's threshold in people, as the whole number of others one must see."""
    return np.maximum(0.0, np.ceil(x))


class GranovetterCrowd(Extension):
    """Pins what take-up reads so that the rule is Granovetter's (module docstring)."""

    def __init__(self, thresholds: np.ndarray) -> None:
        # thresholds: (runs, CROWD) in people; the engine's θ in units of γ·L̄
        self.theta = (GAMMA * (others_needed(thresholds) - 0.5) / (CROWD - 1)).ravel()
        self.leaders: list[np.ndarray] = []

    def after_leader(self, engine: Engine) -> None:
        engine.distribution[:] = 1.0
        engine.authority[:] = 0.0
        engine.anxiety[:] = 0.0
        engine.threshold[:] = self.theta

    def after_outcomes(self, engine: Engine) -> None:
        leading = engine.this_week["leading"]
        self.leaders.append(np.add.reduceat(leading.astype(np.int64), engine.org_start))


def engine_rioters(thresholds: np.ndarray) -> np.ndarray:
    """Leaders per week (weeks, runs) of the engine, one run per row of thresholds."""
    runs = [RunSpec(PARAMS, seed=1000 + k) for k in range(thresholds.shape[0])]
    crowd = GranovetterCrowd(thresholds)
    engine = Engine(runs, extensions=[crowd])
    assert np.all(np.diff(engine.adjacency.indptr) == CROWD - 1)  # everyone sees everyone
    for _week in range(CROWD + 1):  # each week before equilibrium adds at least one
        engine.step()
        if len(crowd.leaders) > 1 and np.array_equal(crowd.leaders[-1], crowd.leaders[-2]):
            break
    return np.array(crowd.leaders)


def granovetter_rioters(thresholds: np.ndarray, weeks: int) -> np.ndarray:
    """His rounds, written directly: join when the others rioting are at least your threshold."""
    needed = others_needed(thresholds)
    rioting = needed <= 0  # the instigators
    counts = [rioting.sum(axis=1)]
    for _ in range(weeks - 1):
        others = rioting.sum(axis=1, keepdims=True) - rioting
        rioting = needed <= others
        counts.append(rioting.sum(axis=1))
    return np.array(counts)


def quantile_thresholds(sigma: float) -> np.ndarray:
    return MEAN + sigma * norm.ppf((np.arange(CROWD) + 0.5) / CROWD)


SAMPLED_SIGMAS = (6.0, 8.0, 10.0, 14.0, 18.0, 20.0, 24.0)
REPLICATES = 40


@pytest.fixture(scope="module")
def sampled():
    rng = np.random.default_rng(1978)
    thresholds = rng.normal(MEAN, 1.0, (len(SAMPLED_SIGMAS), REPLICATES, CROWD))
    thresholds = MEAN + (thresholds - MEAN) * np.array(SAMPLED_SIGMAS)[:, None, None]
    flat = thresholds.reshape(-1, CROWD)
    rioters = engine_rioters(flat)
    return flat, rioters


def test_the_engine_week_by_week_is_granovetters_iteration(sampled):
    thresholds, rioters = sampled
    assert np.array_equal(rioters, granovetter_rioters(thresholds, rioters.shape[0]))


def test_the_share_of_crowds_that_riot_rises_from_near_zero_to_near_one(sampled):
    _, rioters = sampled
    final = rioters[-1].reshape(len(SAMPLED_SIGMAS), REPLICATES)
    cascaded = (final >= 0.95 * CROWD).mean(axis=1)
    share = dict(zip(SAMPLED_SIGMAS, cascaded.tolist(), strict=True))
    assert share[6.0] == share[8.0] == 0.0
    assert share[10.0] <= 0.05  # below σ ≈ 11: near none
    assert 0.3 <= share[14.0] <= 0.9  # on the way
    assert min(share[18.0], share[20.0], share[24.0]) >= 0.95  # above σ ≈ 17: near all
    # and each crowd ends either with a handful or with (nearly) everyone
    assert np.all((final < CROWD // 4) | (final >= 0.95 * CROWD))


def test_with_thresholds_at_the_quantiles_the_jump_falls_between_12_50_and_12_75():
    sigmas = (12.0, 12.25, 12.5, 12.75, 13.0, 14.0)
    thresholds = np.array([quantile_thresholds(s) for s in sigmas])
    final = dict(zip(sigmas, engine_rioters(thresholds)[-1].tolist(), strict=True))
    assert max(final[12.0], final[12.25], final[12.5]) <= 10  # a handful riot
    assert min(final[12.75], final[13.0], final[14.0]) == CROWD  # everyone does
