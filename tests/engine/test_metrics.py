"""Observation (MODEL.md §6): Gini with the leader, reversion detection, moving averages."""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine.metrics import (
    METRICS,
    detect_reversion,
    gini_with_leader,
    summarise,
    trailing_mean,
)


def gini_direct(values: np.ndarray) -> float:
    """O(n²) Gini: Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n Σ x), 0 when nobody acted."""
    values = np.asarray(values, dtype=np.float64)
    total = values.sum()
    if total == 0:
        return 0.0
    n = values.size
    pairs = sum(abs(a - b) for a in values for b in values)
    return pairs / (2 * n * total)


@pytest.mark.parametrize("seed", range(6))
def test_gini_with_leader_matches_direct_computation(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 40, rng.integers(1, 5))
    org = np.repeat(np.arange(sizes.size), sizes)
    counts = rng.integers(0, 9, org.size)
    leader = rng.uniform(0, 60, sizes.size)
    leader[0] = float(rng.integers(0, 9))  # an integer leader count too
    out = gini_with_leader(counts, org, sizes.size, leader, sizes.astype(np.float64))
    for o in range(sizes.size):
        expected = gini_direct(np.append(counts[org == o], leader[o]))
        assert out[o] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_gini_with_leader_hand_cases():
    org = np.zeros(3, dtype=np.int64)
    size = np.array([3.0])

    def gini(counts, leader):
        return gini_with_leader(np.array(counts), org, 1, np.array([leader]), size)[0]

    assert gini([2, 2, 2], 2.0) == 0.0  # all equal, leader too
    assert gini([0, 0, 0], 0.0) == 0.0  # nobody acted: 0, not NaN
    assert gini([0, 0, 0], 5.0) == pytest.approx(0.75)  # only the leader: (n − 1)/n, n = 4
    # [0, 1, 2] and leader 1: Σ|xi − xj| = 2·(1 + 2 + 1 + 1 + 0 + 1) = 12; 12 / (2·4·4)
    assert gini([0, 1, 2], 1.0) == pytest.approx(12 / 32)


def test_gini_in_unit_interval():
    rng = np.random.default_rng(9)
    counts = rng.integers(0, 9, 500)
    org = np.repeat(np.arange(10), 50)
    out = gini_with_leader(counts, org, 10, rng.uniform(0, 100, 10), np.full(10, 50.0))
    assert np.all((out >= 0) & (out < 1))


def test_gini_of_an_organisation_does_not_depend_on_the_others():
    counts = np.array([0, 1, 2, 3, 4, 5, 6, 1, 2, 0])
    alone = gini_with_leader(counts, np.zeros(10, np.int64), 1, np.array([20.7]), np.array([10]))
    with_other = gini_with_leader(
        np.append(counts, 8),
        np.array([0] * 10 + [1]),
        2,
        np.array([20.7, 2.0]),
        np.array([10, 1]),
    )
    assert alone[0] == with_other[0]


# --- trailing mean ---------------------------------------------------------------------------


def test_trailing_mean_uses_fewer_weeks_at_the_start():
    series = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])
    out = trailing_mean(series, np.array([3]))
    assert out[:, 0] == pytest.approx([1.0, 1.5, 2.0, 3.0, 4.0])


def test_trailing_mean_per_column_windows():
    series = np.column_stack([np.arange(6.0), np.arange(6.0), np.arange(6.0)])
    out = trailing_mean(series, np.array([1, 2, 10]))
    assert out[:, 0] == pytest.approx(np.arange(6.0))
    assert out[:, 1] == pytest.approx([0, 0.5, 1.5, 2.5, 3.5, 4.5])
    assert out[:, 2] == pytest.approx([0, 0.5, 1, 1.5, 2, 2.5])  # window longer than the series


def test_trailing_mean_against_direct_loop():
    rng = np.random.default_rng(4)
    series = rng.random((30, 3))
    window = np.array([4, 7, 1])
    out = trailing_mean(series, window)
    for c, w in enumerate(window):
        for t in range(30):
            assert out[t, c] == pytest.approx(series[max(0, t + 1 - w) : t + 1, c].mean())


# --- reversion ---------------------------------------------------------------------------------


def detect(series, high=0.3, low=0.15, smoothing=1, run_length=4):
    index = np.asarray(series, dtype=np.float64)[:, None]
    one = np.ones(1)
    reverted, when, never = detect_reversion(
        index,
        high * one,
        low * one,
        np.array([smoothing]),
        np.array([run_length]),
    )
    return bool(reverted[0]), int(when[0]), bool(never[0])


def test_reached_high_then_four_weeks_below_low_reverts_at_fourth_week():
    series = [0.1, 0.4, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    assert detect(series) == (True, 6, False)


def test_never_reaching_high_is_never_distributed_and_not_reverted():
    assert detect([0.2] * 12) == (False, -1, True)
    assert detect([0.0] * 12) == (False, -1, True)
    assert detect([0.29, 0.1, 0.1, 0.1, 0.1, 0.1]) == (False, -1, True)


def test_reaching_exactly_high_counts_as_distributed():
    assert detect([0.3, 0.1, 0.1, 0.1, 0.1]) == (True, 4, False)


def test_dips_of_three_weeks_do_not_count():
    series = [0.4, 0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1]
    assert detect(series) == (False, -1, False)


def test_exactly_low_is_not_below_low():
    assert detect([0.4, 0.15, 0.15, 0.15, 0.15, 0.15]) == (False, -1, False)


def test_recovery_after_reversion_still_counts_the_first():
    series = [0.4, 0.1, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.6]
    assert detect(series) == (True, 4, False)


def test_weeks_below_low_before_reaching_high_do_not_count():
    series = [0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 0.4, 0.2, 0.1, 0.1, 0.1]
    assert detect(series) == (False, -1, False)
    assert detect([*series, 0.1]) == (True, 11, False)


def test_reversion_on_the_smoothed_index():
    # 4-week trailing means: 0.5, 0.5, 1/3, 0.25, 0.125, 0, 0, 0, 0
    series = [0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert detect(series, smoothing=4) == (True, 7, False)
    # the raw index alone would have reverted at week 5
    assert detect(series, smoothing=1) == (True, 5, False)


def test_a_single_spike_can_be_smoothed_below_high():
    series = [0.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert detect(series, smoothing=4) == (False, -1, True)  # 0.9/4 < 0.3
    assert detect(series, smoothing=1) == (True, 7, False)


def test_detect_reversion_per_organisation():
    index = np.array(
        [
            [0.4, 0.1, 0.4],
            [0.1, 0.1, 0.4],
            [0.1, 0.1, 0.1],
            [0.1, 0.1, 0.1],
            [0.1, 0.1, 0.1],
        ]
    )
    reverted, when, never = detect_reversion(
        index, np.full(3, 0.3), np.full(3, 0.15), np.ones(3, np.int64), np.array([4, 4, 3])
    )
    assert reverted.tolist() == [True, False, True]
    assert when.tolist() == [4, -1, 4]
    assert never.tolist() == [False, True, False]


# --- per-run summaries ---------------------------------------------------------------------------


def test_summarise_by_hand():
    steps = 6
    series = {name: np.zeros((steps, 1)) for name in METRICS}
    series["distribution_index"][:, 0] = [0.5, 0.5, 0.1, 0.1, 0.2, 0.4]
    series["anxiety"][:, 0] = [0.2, 0.3, 0.25, 0.1, 0.1, 0.1]
    series["leader_anxiety"][:, 0] = [0.1, 0.6, 0.2, 0.2, 0.2, 0.2]
    series["acts"][:, 0] = [2, 4, 0, 0, 0, 4]
    series["successes"][:, 0] = [1, 3, 0, 0, 0, 1]
    series["collisions"][:, 0] = [0, 1, 0, 0, 0, 1]
    series["authority"][:, 0] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.55]
    series["trust"][:, 0] = [0.6, 0.6, 0.6, 0.6, 0.6, 0.4]
    params = {
        "reversion_high": np.array([0.3]),
        "reversion_low": np.array([0.15]),
        "smoothing_weeks": np.array([1.0]),
        "reversion_weeks": np.array([4.0]),
        "final_window": np.array([3.0]),
    }
    out = summarise(series, np.array([0.45]), params)
    assert out["final_distribution_index"][0] == pytest.approx((0.1 + 0.2 + 0.4) / 3)
    assert out["peak_anxiety"][0] == pytest.approx(0.3)
    assert out["leader_peak_anxiety"][0] == pytest.approx(0.6)
    assert out["mean_anxiety"][0] == pytest.approx(1.05 / 6)
    assert out["mean_success_rate"][0] == pytest.approx(5 / 10)  # pooled, not a mean of rates
    assert out["mean_conflict_rate"][0] == pytest.approx(2 / 10)
    assert out["final_trust"][0] == pytest.approx(0.4)
    assert out["capacity_built"][0] == pytest.approx(0.1)
    assert not out["reverted"][0] and not out["never_distributed"][0]


# --- reversion at its edges (reversion_low < reversion_high, as Parameters requires) ---------


def test_a_run_below_low_may_start_the_week_after_high_is_first_reached():
    assert detect([0.1, 0.3, 0.1, 0.1, 0.1, 0.1]) == (True, 5, False)
    # …and not that same week: the week that reaches high is not below low
    assert detect([0.3, 0.1, 0.1, 0.1]) == (False, -1, False)


def test_a_run_ending_on_the_last_recorded_week_counts():
    assert detect([0.4, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]) == (True, 6, False)
    assert detect([0.4, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1]) == (False, -1, False)


def test_reaching_high_on_the_last_week_is_distributed_but_not_reverted():
    assert detect([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.35]) == (False, -1, False)


def test_run_length_one_and_just_below_low():
    assert detect([0.5, 0.1499], run_length=1) == (True, 1, False)
    assert detect([0.5, 0.15], run_length=1) == (False, -1, False)
    assert detect([0.5, 0.2, 0.1499], run_length=1) == (True, 2, False)


def test_smoothing_uses_fewer_weeks_only_before_the_window_fills():
    # 3-week trailing means: 0.9, 0.45, 0.3, 0.0, 0.0, 0.0: high at week 0, below low from 3
    series = [0.9, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert detect(series, smoothing=3, run_length=3) == (True, 5, False)
    # a 3-week mean over weeks 0–2 of 0.9, 0, 0 is exactly 0.3: high is reached at week 2
    assert detect([0.0, 0.0, 0.9, 0.0, 0.0, 0.0], smoothing=3, run_length=1) == (True, 5, False)
    assert detect([0.0, 0.0, 0.89, 0.0, 0.0, 0.0], smoothing=3, run_length=1) == (False, -1, True)
