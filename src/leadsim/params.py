"""The parameter set: every symbol of MODEL.md §2–§6, typed, with default, range and meaning.

This module is the single source of truth for parameters. Scenario files, the CLI,
the dashboard, sweeps and the Mesa layer all build a :class:`Parameters` and let it
validate itself; nothing else holds a default.

Each field carries metadata: ``symbol`` (the name in MODEL.md), ``low``/``high`` (the
allowed closed range), ``group`` (which mechanism it belongs to) and ``doc`` (one
sentence a workshop audience can read).
"""

from __future__ import annotations

import dataclasses
import math
import reprlib
from dataclasses import dataclass, field
from typing import Any

POLICIES: dict[str, dict[str, float]] = {
    # final target, containment, role clarity at start, heroic identification (MODEL.md §5)
    "hierarchical": {
        "final_target": 0.1,
        "containment": 0.5,
        "role_clarity": 0.8,
        "heroic_identification": 0.7,
    },
    "delegating": {
        "final_target": 0.8,
        "containment": 0.1,
        "role_clarity": 0.2,
        "heroic_identification": 0.2,
    },
    "egalitarian": {
        "final_target": 0.9,
        "containment": 0.3,
        "role_clarity": 0.2,
        "heroic_identification": 0.1,
    },
    "integrated": {
        "final_target": 0.7,
        "containment": 0.6,
        "role_clarity": 0.5,
        "heroic_identification": 0.3,
    },
    "adaptive": {
        "final_target": 0.9,
        "containment": 0.5,
        "role_clarity": 0.4,
        "heroic_identification": 0.4,
    },
}
POLICY_DESCRIPTIONS: dict[str, str] = {
    "hierarchical": "top-down: the head keeps leadership and opens little to staff",
    "delegating": "abdication: the head hands leadership out and steps back",
    "egalitarian": "shared: the head is one leader among many",
    "integrated": "hybrid: staff lead alongside a head whose role stays distinct (Locke)",
    "adaptive": "the head raises or lowers distribution from what the cycle's outcomes show",
}
APPROACHES: tuple[str, ...] = ("quick_fix", "cycles")
APPROACH_DESCRIPTIONS: dict[str, str] = {
    "quick_fix": "the final target from week 0, no reflection",
    "cycles": "ASERT cycles of planning, action, reflection and replanning",
}
NETWORK_MODELS: tuple[str, ...] = ("sbm", "watts_strogatz")
ROLES: tuple[str, ...] = ("senior", "academic", "professional")
# Leader settings a policy provides; a Parameters field of the same name overrides them.
POLICY_SETTINGS: tuple[str, ...] = (
    "final_target",
    "containment",
    "role_clarity",
    "heroic_identification",
)


def _p(
    default: Any, low: float | None, high: float | None, symbol: str, group: str, doc: str
) -> Any:
    return field(
        default=default,
        metadata={"low": low, "high": high, "symbol": symbol, "group": group, "doc": doc},
    )


_SHORT = reprlib.Repr(
    maxlevel=2,
    maxtuple=4,
    maxlist=4,
    maxarray=4,
    maxdict=4,
    maxset=4,
    maxfrozenset=4,
    maxdeque=4,
    maxstring=60,
    maxlong=40,
    maxother=60,
)


def show(value: Any) -> str:
    """``repr(value)`` cut short for a one-line message, whatever its size or depth."""
    try:
        return _SHORT.repr(value)
    except (RecursionError, ValueError):  # ValueError: an int too long to print
        return f"<{type(value).__name__}>"


class ParameterError(ValueError):
    """A parameter is unknown, of the wrong type, or out of its range (one-line message)."""


@dataclass(frozen=True)
class Parameters:
    """Every parameter of the model, validated on construction.

    Build with keywords (``Parameters(policy="delegating", n_staff=100)``) and derive
    variants with :meth:`replace`. ``final_target``, ``containment``, ``role_clarity``
    and ``heroic_identification`` default to ``None``: the policy's value is used.
    """

    # --- policy and approach (MODEL.md §5) ---------------------------------------
    policy: str = _p("integrated", None, None, "policy", "policy", "the head's distribution policy")
    approach: str = _p(
        "quick_fix", None, None, "approach", "policy", "how change proceeds: quick fix or cycles"
    )
    final_target: float | None = _p(
        None, 0.0, 1.0, "target", "policy", "the share of leadership the head finally aims to open"
    )
    containment: float | None = _p(
        None,
        0.0,
        1.0,
        "containment",
        "policy",
        "the head's capacity to hold staff's anxiety (a holding environment)",
    )
    role_clarity: float | None = _p(
        None,
        0.0,
        1.0,
        "role_clarity",
        "policy",
        "how clearly staff know how much leadership is theirs, at the start",
    )
    heroic_identification: float | None = _p(
        None,
        0.0,
        1.0,
        "heroic_identification",
        "policy",
        "how far the head believes the organisation's survival is theirs alone",
    )
    learning_group: bool = _p(
        False,
        None,
        None,
        "learning_group",
        "learning_group",
        "the head belongs to a leaders' learning group from week 0",
    )

    # --- organisation and initial conditions (MODEL.md §2) -------------------------
    n_staff: int = _p(60, 2, 200_000, "n_staff", "organisation", "number of staff members")
    department_size: int = _p(
        10, 2, 1_000, "department_size", "organisation", "staff per department"
    )
    network_model: str = _p(
        "sbm",
        None,
        None,
        "network",
        "organisation",
        "how departments are wired: stochastic block model or Watts–Strogatz",
    )
    p_within: float = _p(
        0.6,
        0.0,
        1.0,
        "p_within",
        "organisation",
        "chance that two colleagues of a department are linked",
    )
    cross_links: float = _p(
        1.5, 0.0, 50.0, "cross_links", "organisation", "mean links per person to other departments"
    )
    ws_neighbours: int = _p(
        4, 2, 100, "k", "organisation", "Watts–Strogatz: ring neighbours per person in a department"
    )
    ws_rewire: float = _p(
        0.1, 0.0, 1.0, "β_ws", "organisation", "Watts–Strogatz: chance each ring link is rewired"
    )
    share_senior: float = _p(0.15, 0.0, 1.0, "", "organisation", "share of senior staff")
    share_professional: float = _p(
        0.35, 0.0, 1.0, "", "organisation", "share of professional and administrative staff"
    )
    expertise_low: float = _p(0.2, 0.0, 1.0, "", "organisation", "lowest initial expertise")
    expertise_high: float = _p(0.8, 0.0, 1.0, "", "organisation", "highest initial expertise")
    senior_expertise_bonus: float = _p(
        0.1, 0.0, 1.0, "", "organisation", "extra expertise of seniors"
    )
    authority_beta_a: float = _p(4.0, 0.1, 100.0, "", "organisation", "Beta shape a of authority")
    authority_beta_b: float = _p(4.0, 0.1, 100.0, "", "organisation", "Beta shape b of authority")
    senior_authority_bonus: float = _p(
        0.15, 0.0, 1.0, "", "organisation", "extra personal authority of seniors"
    )
    trust_mean: float = _p(0.6, 0.0, 1.0, "", "organisation", "mean initial trust in the head")
    trust_sd: float = _p(0.1, 0.0, 1.0, "", "organisation", "spread of initial trust")
    peer_trust_mean: float = _p(
        0.5, 0.0, 1.0, "peer_trust_mean", "organisation", "mean initial trust between colleagues"
    )
    peer_trust_sd: float = _p(0.1, 0.0, 1.0, "", "organisation", "spread of initial peer trust")
    anxiety_mean: float = _p(0.2, 0.0, 1.0, "", "organisation", "mean initial staff anxiety")
    anxiety_sd: float = _p(0.05, 0.0, 1.0, "", "organisation", "spread of initial staff anxiety")
    dependency_mean: float = _p(
        0.4, 0.0, 1.0, "", "organisation", "mean initial dependency on the head"
    )
    dependency_sd: float = _p(0.1, 0.0, 1.0, "", "organisation", "spread of initial dependency")
    threshold_mean: float = _p(
        0.3, -1.0, 2.0, "θ", "organisation", "mean personal threshold for taking up leadership"
    )
    threshold_sd: float = _p(0.1, 0.0, 1.0, "", "organisation", "spread of personal thresholds")
    initial_distribution: float = _p(
        0.1, 0.0, 1.0, "", "leader", "share of leadership opened to staff at the start"
    )
    initial_leader_anxiety: float = _p(0.1, 0.0, 1.0, "", "leader", "the head's anxiety at start")

    # --- pressure ------------------------------------------------------------------
    pressure_baseline: float = _p(
        0.2, 0.0, 5.0, "p_base", "pressure", "baseline accountability pressure"
    )
    pressure_decay_weeks: float = _p(
        8.0, 0.1, 1_000.0, "τ_p", "pressure", "weeks for a shock's excess pressure to fall by 1/e"
    )

    # --- leader anxiety, distribution and reversion ----------------------------------
    leader_pressure_sensitivity: float = _p(
        0.08, 0.0, 2.0, "k_p", "leader", "pressure → head's anxiety"
    )
    leader_reversion_sensitivity: float = _p(
        0.15, 0.0, 2.0, "k_r", "leader", "staff's reversion pressure → head's anxiety"
    )
    leader_failure_sensitivity: float = _p(
        0.05, 0.0, 2.0, "k_f", "leader", "failed acts → head's anxiety"
    )
    leader_conflict_sensitivity: float = _p(
        0.8, 0.0, 5.0, "k_c", "leader", "conflicts referred back up → head's anxiety"
    )
    leader_support_relief: float = _p(
        0.2, 0.0, 2.0, "k_s", "leader", "learning-group support → lower head's anxiety"
    )
    leader_anxiety_decay: float = _p(
        0.10, 0.0, 1.0, "λ_A", "leader", "weekly decay of head's anxiety"
    )
    distribution_rate: float = _p(
        0.4, 0.0, 1.0, "r_up", "leader", "how fast distribution moves towards the target"
    )
    reversion_rate: float = _p(
        0.5, 0.0, 1.0, "r_rev", "leader", "how fast excess anxiety takes distribution back"
    )
    reversion_pressure_weight: float = _p(
        0.5, 0.0, 5.0, "w_R", "leader", "weight of staff's overt pressure to revert"
    )
    containment_erosion: float = _p(
        0.05, 0.0, 1.0, "η_c", "leader", "how fast excess anxiety erodes the head's containment"
    )

    # --- offers and take-up ------------------------------------------------------------
    access_senior: float = _p(
        1.0, 0.0, 1.0, "access[senior]", "offers", "opportunities reaching seniors"
    )
    access_academic: float = _p(
        0.8, 0.0, 1.0, "access[academic]", "offers", "opportunities reaching academics"
    )
    access_professional: float = _p(
        0.6, 0.0, 1.0, "access[professional]", "offers", "opportunities reaching professional staff"
    )
    takeup_sharpness: float = _p(
        8.0, 0.0, 1_000.0, "β", "takeup", "how sharp the take-up threshold is"
    )
    social_proof_weight: float = _p(
        0.4, 0.0, 5.0, "γ", "takeup", "pull of neighbours who led last week"
    )
    takeup_trust_weight: float = _p(0.3, 0.0, 5.0, "δ", "takeup", "pull of trust in the head")
    takeup_dependency_weight: float = _p(
        0.5, 0.0, 5.0, "ε", "takeup", "push of dependency on the head against taking up"
    )

    # --- outcomes and conflict -------------------------------------------------------------
    success_sharpness: float = _p(
        6.0, 0.0, 1_000.0, "β_s", "outcomes", "how sharply skill decides success"
    )
    success_peer_trust_weight: float = _p(
        0.3, 0.0, 5.0, "φ", "outcomes", "collaboration's help to success"
    )
    success_holding_weight: float = _p(
        0.3, 0.0, 5.0, "ψ", "outcomes", "contained, clear roles' help to success"
    )
    task_difficulty: float = _p(
        0.5, 0.0, 2.0, "difficulty", "outcomes", "difficulty of a leadership act"
    )
    collision_rate: float = _p(
        0.6, 0.0, 1.0, "χ", "outcomes", "chance two acting neighbours collide, scaled by distrust"
    )
    referral_dependency: float = _p(
        0.05, 0.0, 1.0, "ρ_d", "outcomes", "dependency added when a conflict is referred back up"
    )

    # --- staff updates -------------------------------------------------------------------
    authority_gain: float = _p(0.12, 0.0, 1.0, "η_s", "staff", "authority gained from a success")
    authority_loss: float = _p(0.08, 0.0, 1.0, "η_f", "staff", "authority lost in a failure")
    authority_rest_pull: float = _p(
        0.005, 0.0, 1.0, "λ_a", "staff", "weekly pull of authority back to its resting value"
    )
    ambiguity_anxiety: float = _p(
        0.06, 0.0, 1.0, "α_u", "staff", "anxiety from distributed roles that are unclear"
    )
    anxiety_contagion: float = _p(
        0.2, 0.0, 1.0, "α_c", "staff", "how far anxiety spreads between colleagues"
    )
    failure_anxiety: float = _p(0.05, 0.0, 1.0, "α_f", "staff", "anxiety from a failed act")
    conflict_anxiety: float = _p(0.08, 0.0, 1.0, "α_k", "staff", "anxiety from a conflict")
    pressure_anxiety: float = _p(
        0.03, 0.0, 1.0, "α_p", "staff", "anxiety from accountability pressure"
    )
    holding_relief: float = _p(
        0.20, 0.0, 1.0, "α_h", "staff", "relief from a contained, trusted head"
    )
    reflection_relief: float = _p(0.1, 0.0, 1.0, "α_r", "staff", "relief from a reflection week")
    anxiety_decay: float = _p(0.05, 0.0, 1.0, "λ_x", "staff", "weekly decay of staff anxiety")
    projection_rate: float = _p(
        0.1, 0.0, 1.0, "δ_x", "staff", "how fast anxiety turns into dependency on the head"
    )
    success_independence: float = _p(
        0.02, 0.0, 1.0, "δ_s", "staff", "dependency shed after a success"
    )
    holding_trust_gain: float = _p(
        0.05, 0.0, 1.0, "τ_h", "staff", "trust gained under contained distribution"
    )
    abdication_trust_loss: float = _p(
        0.05, 0.0, 1.0, "τ_a", "staff", "trust lost when the head distributes without holding"
    )
    withdrawal_trust_loss: float = _p(
        2.0, 0.0, 20.0, "τ_w", "staff", "trust lost by those who led when the head takes it back"
    )
    collaboration_gain: float = _p(
        0.08, 0.0, 1.0, "π_s", "staff", "peer trust gained from succeeding beside colleagues"
    )
    conflict_peer_loss: float = _p(0.20, 0.0, 1.0, "π_c", "staff", "peer trust lost in a conflict")
    recent_weight: float = _p(
        0.25,
        0.0,
        1.0,
        "w_recent",
        "staff",
        "weight of this week in the memory of one's own leading",
    )

    # --- reflection cycles and replanning --------------------------------------------------
    cycle_length: int = _p(12, 2, 520, "cycle_length", "cycles", "weeks in one ASERT cycle")
    reflection_weeks: int = _p(
        2, 0, 52, "reflection_weeks", "cycles", "reflection weeks closing a cycle"
    )
    clarity_gain: float = _p(
        0.2, 0.0, 1.0, "κ_c", "cycles", "role clarity gained in a reflection week"
    )
    step_up: float = _p(
        0.1, 0.0, 1.0, "step_up", "cycles", "how far the head moves the target per cycle"
    )
    tolerance_low: float = _p(
        0.35, 0.0, 1.0, "tolerance_low", "cycles", "staff anxiety below which the head steps up"
    )
    tolerance_high: float = _p(
        0.5, 0.0, 1.0, "tolerance_high", "cycles", "staff anxiety above which the head steps down"
    )
    adaptive_success: float = _p(
        0.5, 0.0, 1.0, "adaptive_success", "cycles", "adaptive head: success rate needed to step up"
    )

    # --- leaders' learning group ---------------------------------------------------------
    meeting_interval: int = _p(
        4, 1, 520, "meeting_interval", "learning_group", "weeks between meetings"
    )
    busy_absence: float = _p(
        0.6, 0.0, 1.0, "busy", "learning_group", "how much an anxious head skips meetings"
    )
    group_quality: float = _p(0.8, 0.0, 1.0, "quality", "learning_group", "quality of facilitation")
    containment_learning: float = _p(
        0.15, 0.0, 1.0, "μ", "learning_group", "containment a head learns from being held"
    )
    cohesion_start: float = _p(
        0.5, 0.0, 1.0, "cohesion_start", "learning_group", "initial cohesion"
    )
    cohesion_rate: float = _p(
        0.1, 0.0, 1.0, "cohesion_rate", "learning_group", "how fast attendance changes cohesion"
    )

    # --- observation (MODEL.md §6) ---------------------------------------------------------
    density_window: int = _p(
        8,
        1,
        32,
        "density_window",
        "observation",
        "weeks over which density and centralization look back",
    )
    reversion_high: float = _p(
        0.3,
        0.0,
        1.0,
        "hi",
        "observation",
        "index an organisation must reach to count as distributed",
    )
    reversion_low: float = _p(
        0.15, 0.0, 1.0, "lo", "observation", "index below which it counts as reverted"
    )
    smoothing_weeks: int = _p(4, 1, 52, "", "observation", "weeks of the index's moving average")
    reversion_weeks: int = _p(
        4, 1, 52, "", "observation", "consecutive weeks below lo that make a reversion"
    )
    final_window: int = _p(12, 1, 520, "final_window", "observation", "weeks of the final index")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check_field(f, getattr(self, f.name))
        if self.policy not in POLICIES:
            raise ParameterError(
                f"policy: unknown value {self.policy!r}; allowed: {', '.join(POLICIES)}"
            )
        if self.approach not in APPROACHES:
            raise ParameterError(
                f"approach: unknown value {self.approach!r}; allowed: {', '.join(APPROACHES)}"
            )
        if self.network_model not in NETWORK_MODELS:
            raise ParameterError(
                f"network_model: unknown value {self.network_model!r}; "
                f"allowed: {', '.join(NETWORK_MODELS)}"
            )
        if self.share_senior + self.share_professional > 1.0:
            raise ParameterError(
                "share_senior + share_professional: must be at most 1 "
                f"(got {self.share_senior + self.share_professional:g})"
            )
        if self.expertise_low > self.expertise_high:
            raise ParameterError(
                f"expertise_low: {self.expertise_low:g} is above expertise_high "
                f"{self.expertise_high:g}; allowed: expertise_low <= expertise_high"
            )
        if self.reflection_weeks >= self.cycle_length:
            raise ParameterError(
                f"reflection_weeks: {self.reflection_weeks} must be below cycle_length "
                f"{self.cycle_length}"
            )
        if self.reversion_low >= self.reversion_high:
            raise ParameterError(
                f"reversion_low: {self.reversion_low:g} is not below reversion_high "
                f"{self.reversion_high:g}; allowed: reversion_low < reversion_high (an "
                "organisation counts as reverted below the index it must reach to count "
                "as distributed)"
            )
        if self.tolerance_low > self.tolerance_high:
            raise ParameterError(
                f"tolerance_low: {self.tolerance_low:g} is above tolerance_high "
                f"{self.tolerance_high:g}; allowed: tolerance_low <= tolerance_high"
            )

    def replace(self, **changes: Any) -> Parameters:
        """A copy with ``changes`` applied and validated; unknown names are refused."""
        unknown = sorted(set(changes) - FIELD_NAMES)
        if unknown:
            raise ParameterError(
                f"{unknown[0]}: unknown parameter; see `leadsim params` for the allowed names"
            )
        return dataclasses.replace(self, **changes)

    def leader_setting(self, name: str) -> float:
        """The effective value of a policy setting: the override if given, else the policy's."""
        value = getattr(self, name)
        return POLICIES[self.policy][name] if value is None else float(value)

    def as_dict(self) -> dict[str, Any]:
        """All parameters as a plain dict (``None`` where the policy decides)."""
        return dataclasses.asdict(self)


def check_field(f: dataclasses.Field, value: Any) -> None:
    """Validate one field's type and range, raising a one-line :class:`ParameterError`."""
    name, meta = f.name, f.metadata
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if kind.startswith("str"):
        if not isinstance(value, str):
            raise ParameterError(f"{name}: expected text, got {show(value)}")
        return
    if kind.startswith("bool"):
        if not isinstance(value, bool):
            raise ParameterError(f"{name}: expected true or false, got {show(value)}")
        return
    if value is None and "None" in kind:
        return
    if kind.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"{name}: expected a whole number, got {show(value)}")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{name}: expected a number, got {show(value)}")
    if not math.isfinite(value):
        raise ParameterError(f"{name}: expected a finite number, got {show(value)}")
    low, high = meta.get("low"), meta.get("high")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ParameterError(f"{name}: {show(value)} is out of range; allowed: {low:g} to {high:g}")


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Parameters)}
FIELD_NAMES: frozenset[str] = frozenset(FIELDS)
# Parameters fixed when an organisation is built: `set` cannot change them mid-run.
STRUCTURAL: frozenset[str] = frozenset(
    name for name, f in FIELDS.items() if f.metadata["group"] == "organisation"
) | {"policy", "approach", "learning_group", "density_window", "smoothing_weeks"}


def describe(name: str) -> str:
    """One line about a parameter: meaning, symbol, default and range (for CLI and hovers)."""
    f = FIELDS[name]
    meta = f.metadata
    rng = f" [{meta['low']:g}, {meta['high']:g}]" if meta.get("low") is not None else ""
    sym = f" ({meta['symbol']})" if meta.get("symbol") and meta["symbol"] != name else ""
    return f"{name}{sym}: {meta['doc']}; default {f.default!r}{rng}"
