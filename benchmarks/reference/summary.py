"""Per-run summaries (MODEL.md §6) of a reference model, in plain Python over its collected data."""

from __future__ import annotations

from collections.abc import Sequence

from leadsim.engine.core import RunSpec
from leadsim.params import Parameters

from .agents import TopLeader
from .model import ReferenceModel


def detect_reversion(
    index: Sequence[float], high: float, low: float, smoothing: int, run_length: int
) -> tuple[bool, int, bool]:
    """(reverted, time_to_reversion or -1, never_distributed) of one index series.

    The trailing ``smoothing``-week mean (fewer weeks at the start) must first reach
    ``high``; after that week, the first ``run_length`` consecutive weeks below ``low``
    are a reversion, dated at their last week.
    """
    smooth = []
    for t in range(len(index)):
        window = index[max(0, t + 1 - smoothing) : t + 1]
        smooth.append(sum(window) / len(window))
    first_high = next((t for t, value in enumerate(smooth) if value >= high), None)
    if first_high is None:
        return False, -1, True
    run = 0
    for t in range(first_high + 1, len(smooth)):
        run = run + 1 if smooth[t] < low else 0
        if run >= run_length:
            return True, t, False
    return False, -1, False


def summarise(model: ReferenceModel) -> list[dict[str, float]]:
    """One dict of summaries per organisation, from the weeks the model has simulated."""
    frame = model.datacollector.get_agenttype_vars_dataframe(TopLeader)
    summaries = []
    for leader in model.leaders:
        series = frame.xs(leader.unique_id, level="AgentID")
        p = leader.params
        index = series["distribution_index"].tolist()
        reverted, when, never = detect_reversion(
            index, p.reversion_high, p.reversion_low, p.smoothing_weeks, p.reversion_weeks
        )
        final = index[-min(p.final_window, len(index)) :]
        acts = series["acts"].sum()
        anxiety = series["anxiety"].tolist()
        summaries.append(
            {
                "reverted": reverted,
                "time_to_reversion": when,
                "never_distributed": never,
                "final_distribution_index": sum(final) / len(final),
                "peak_anxiety": max(anxiety),
                "leader_peak_anxiety": series["leader_anxiety"].max(),
                "mean_anxiety": sum(anxiety) / len(anxiety),
                "mean_success_rate": series["successes"].sum() / acts if acts else 0.0,
                "mean_conflict_rate": series["collisions"].sum() / acts if acts else 0.0,
                "mean_dependency": series["dependency"].mean(),
                "final_trust": series["trust"].iloc[-1],
                "capacity_built": series["authority"].iloc[-1] - leader.initial_authority,
            }
        )
    return summaries


def run_reference(spec: RunSpec, horizon: int) -> list[dict[str, float]]:
    """Simulate one run of ``spec`` on the reference model: its summaries per organisation.

    Top-level, so a process pool can run it.
    """
    model = ReferenceModel(
        spec.params, rng=spec.seed, organisations=spec.organisations, events=spec.events
    )
    for _ in range(horizon):
        model.step()
    return summarise(model)


def run_parameters(params: Parameters, seed: int, horizon: int) -> list[dict[str, float]]:
    """:func:`run_reference` for one organisation of ``params`` and no events."""
    return run_reference(RunSpec(params, seed), horizon)
