"""Observation (MODEL.md §6): per-step metrics and per-run summaries, per organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba.extending import register_jitable

MAX_WINDOW = 32  # the longest density window: history is kept as bits of a uint32

# Recorded every step, one value per organisation.
METRICS: tuple[str, ...] = (
    "distribution_index",
    "leadership_density",
    "leadership_centralization",
    "anxiety",
    "trust",
    "peer_trust",
    "dependency",
    "authority",
    "leader_anxiety",
    "distribution",
    "containment",
    "reversion_pressure",
    "conflict_rate",
    "success_rate",
    "pressure",
    "role_clarity",
    "target",
    "acts",
    "successes",
    "collisions",
    "offers",
    "unresolved_share",
    "support",
    "attended",
    "in_group",
)
# Per run (per organisation), from the series.
SUMMARIES: tuple[str, ...] = (
    "reverted",
    "time_to_reversion",
    "never_distributed",
    "final_distribution_index",
    "peak_anxiety",
    "leader_peak_anxiety",
    "mean_anxiety",
    "mean_success_rate",
    "mean_conflict_rate",
    "mean_dependency",
    "final_trust",
    "capacity_built",
)
# The ASERT profile (seed 000): four dimensions read off the model state.
ASERT_AXES: dict[str, str] = {
    "context": "trust",
    "culture": "authority",
    "change": "distribution_index",
    "relationships": "peer_trust",
}


@dataclass(frozen=True)
class StepRecord:
    """One step's metrics: ``values[name]`` has one entry per organisation.

    ``table``, when given, holds the same numbers as one (metric, organisation) array in
    METRICS order (``values`` are its rows), so that a series stacks in one copy.
    """

    step: int
    values: dict[str, np.ndarray]
    table: np.ndarray | None = None


def stack(records: Sequence[StepRecord]) -> dict[str, np.ndarray]:
    """The series as arrays of shape (steps, organisations)."""
    if not records:
        return {name: np.empty((0, 0)) for name in METRICS}
    block = _one_block(records)
    if block is not None:  # consecutive rows of one array: views, no copy
        return {name: block[:, m, :] for m, name in enumerate(METRICS)}
    if all(r.table is not None for r in records):
        tables = np.stack([r.table for r in records], axis=1)  # (metric, step, organisation)
        return dict(zip(METRICS, tables, strict=True))
    return {name: np.stack([r.values[name] for r in records]) for name in METRICS}


def _one_block(records: Sequence[StepRecord]) -> np.ndarray | None:
    """The (steps, metric, organisation) array whose consecutive rows the tables are, if any."""
    first = records[0].table
    base = None if first is None else first.base
    if (
        base is None
        or base.ndim != 3
        or base.shape[1:] != first.shape
        or not base.flags.c_contiguous
    ):
        return None
    row = first.nbytes
    start, rest = divmod(first.ctypes.data - base.ctypes.data, row)
    if rest or start + len(records) > base.shape[0]:
        return None
    for k, record in enumerate(records):
        table = record.table
        if (
            table is None
            or table.base is not base
            or table.ctypes.data != first.ctypes.data + k * row
        ):
            return None
    return base[start : start + len(records)]


def gini_with_leader(
    counts: np.ndarray,
    org: np.ndarray,
    n_org: int,
    leader_acts: np.ndarray,
    org_size: np.ndarray,
) -> np.ndarray:
    """Gini coefficient of leadership acts per organisation, the leader included.

    ``counts`` are staff's acts in the window, ``org`` their organisation; see
    :func:`gini_of_histogram` for the formula.
    """
    width = max(MAX_WINDOW + 1, int(counts.max(initial=0)) + 1)
    hist = np.bincount(org * width + counts, minlength=n_org * width).reshape(n_org, width)
    return np.array(
        [
            gini_of_histogram(hist[o], float(leader_acts[o]), float(org_size[o]))
            for o in range(n_org)
        ]
    )


@register_jitable
def gini_of_histogram(hist: np.ndarray, leader_acts: float, size: float) -> float:
    """Gini of one organisation's acts from the histogram of staff's counts, the leader included.

    Staff act counts are small integers (acts in the window), so the staff's pairwise
    differences are summed exactly, in integers, over the histogram ``hist[v]``:
    ``Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σ_v h_v (v·C_{<v} − S_{<v})`` with C and S the count and sum
    below v. ``G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n Σ x)`` with n = staff + 1.
    """
    count_below = 0
    sum_below = 0
    staff_pairs = 0
    leader_pairs = 0.0
    staff_total = 0
    for v in range(hist.size):
        h = hist[v]
        staff_pairs += 2 * h * (v * count_below - sum_below)
        leader_pairs += 2.0 * h * abs(v - leader_acts)
        count_below += h
        sum_below += h * v
        staff_total += h * v
    total = staff_total + leader_acts
    if total <= 0.0:
        return 0.0
    return (staff_pairs + leader_pairs) / (2.0 * (size + 1.0) * total)


def trailing_mean(series: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Trailing moving average over ``window`` weeks (fewer before week ``window − 1``)."""
    steps = series.shape[0]
    cumulative = np.vstack([np.zeros((1, series.shape[1])), np.cumsum(series, axis=0)])
    t = np.arange(steps)[:, None]
    start = np.maximum(0, t + 1 - window[None, :])
    picked_end = np.take_along_axis(cumulative, t + 1 + 0 * start, axis=0)
    picked_start = np.take_along_axis(cumulative, start, axis=0)
    return (picked_end - picked_start) / (t + 1 - start)


def detect_reversion(
    index: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    smoothing: np.ndarray,
    run_length: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reversion per organisation (MODEL.md §6).

    The trailing moving average must first reach ``high``; after that week, the
    first run of ``run_length`` consecutive weeks below ``low`` is a reversion,
    dated at the run's last week. Returns (reverted, time_to_reversion or -1,
    never_distributed).
    """
    steps, n_org = index.shape
    smooth = trailing_mean(index, smoothing)
    reached = smooth >= high[None, :]
    ever = reached.any(axis=0)
    first_high = np.where(ever, reached.argmax(axis=0), steps)
    below = smooth < low[None, :]
    run = np.zeros(n_org, dtype=np.int64)
    when = np.full(n_org, -1, dtype=np.int64)
    for t in range(steps):
        eligible = t > first_high
        run = np.where(eligible & below[t], run + 1, 0)
        hit = (when < 0) & (run >= run_length)
        when[hit] = t
    return when >= 0, when, ~ever


def summarise(
    series: dict[str, np.ndarray],
    initial_authority: np.ndarray,
    params: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Per-organisation summaries of a run, from its series (shape (steps, organisations)).

    ``params`` gives per-organisation arrays of ``reversion_high``, ``reversion_low``,
    ``smoothing_weeks``, ``reversion_weeks`` and ``final_window``.
    """
    index = series["distribution_index"]
    reverted, when, never = detect_reversion(
        index,
        params["reversion_high"],
        params["reversion_low"],
        params["smoothing_weeks"].astype(np.int64),
        params["reversion_weeks"].astype(np.int64),
    )
    # Reduce over time along contiguous rows (organisation, step): numpy then sums each
    # organisation in the same order whatever the batch holds, keeping runs bit-identical.
    needed = (
        "distribution_index",
        "acts",
        "successes",
        "collisions",
        "anxiety",
        "leader_anxiety",
        "dependency",
    )
    over_time = {name: np.ascontiguousarray(series[name].T) for name in needed}
    steps = index.shape[0]
    final_window = np.minimum(params["final_window"].astype(np.int64), steps)
    tail = np.arange(steps)[None, :] >= steps - final_window[:, None]
    final_index = (over_time["distribution_index"] * tail).sum(axis=1) / np.maximum(final_window, 1)
    acts = over_time["acts"].sum(axis=1)
    success = np.divide(
        over_time["successes"].sum(axis=1), acts, out=np.zeros_like(acts), where=acts > 0
    )
    conflict = np.divide(
        over_time["collisions"].sum(axis=1), acts, out=np.zeros_like(acts), where=acts > 0
    )
    return {
        "reverted": reverted,
        "time_to_reversion": when,
        "never_distributed": never,
        "final_distribution_index": final_index,
        "peak_anxiety": over_time["anxiety"].max(axis=1),
        "leader_peak_anxiety": over_time["leader_anxiety"].max(axis=1),
        "mean_anxiety": over_time["anxiety"].mean(axis=1),
        "mean_success_rate": success,
        "mean_conflict_rate": conflict,
        "mean_dependency": over_time["dependency"].mean(axis=1),
        "final_trust": series["trust"][-1],
        "capacity_built": series["authority"][-1] - initial_authority,
    }
