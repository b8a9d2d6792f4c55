"""What the server sends the browser: lean, JSON-ready data for each chart.

Each chart gets three things (see ``chart.vue``, which draws them):

- a **spec**, sent once per run and organisation: the chart's kind, labels, colours,
  and for the organisation view the layout and links (computed once, never per frame);
- a **frame**, sent on each step: only what changed (the new weeks of the series,
  the staff's anxiety, authority and leading now, quantised to whole percent);
- **marks**, sent when they change: events and the reversion, as vertical lines.

Every payload carries the run's ``token`` so that the browser never mixes the data
of an old run into a new one. The functions here are pure: a :class:`Side` in, plain
dicts and lists out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from leadsim.dashboard.layout import AGGREGATE_STAFF, aggregate_layout
from leadsim.engine import ASERT_AXES
from leadsim.palette import COLOURS

if TYPE_CHECKING:
    from leadsim.dashboard.session import Side

# (metric, label, colour, shown at first): the time series of the issue, then two more;
# the colours are the run figure's too (leadsim.palette)
SERIES: tuple[tuple[str, str, str, bool], ...] = tuple(
    (metric, label, COLOURS[metric], shown)
    for metric, label, shown in (
        ("distribution_index", "distribution index", True),
        ("anxiety", "staff anxiety", True),
        ("trust", "trust in the head", True),
        ("dependency", "staff dependency", True),
        ("leader_anxiety", "head's anxiety", True),
        ("distribution", "head's distribution", True),
        ("containment", "head's containment", False),
        ("pressure", "accountability pressure", False),
    )
)
_SERIES_METRICS = tuple(metric for metric, *_ in SERIES)
ASERT_LABELS: dict[str, str] = {
    "context": "Context\n(trust)",
    "culture": "Culture\n(authority)",
    "change": "Change\n(distribution)",
    "relationships": "Relationships\n(peer trust)",
}


def chart_token(side: Side, organisation: int | None) -> str:
    """Names one organisation of one run (``None``: all of them) for the browser."""
    return f"{side.token}.{'all' if organisation is None else organisation}"


def _percent(values: np.ndarray) -> list[int]:
    """Values in [0, 1] as whole percent: a 500-person frame in about 2 kB of JSON."""
    return np.rint(np.clip(values, 0.0, 1.0) * 100).astype(np.int64).tolist()


def _round(value: float) -> float:
    return round(float(value), 4)


# --- time series --------------------------------------------------------------------------


def series_spec(side: Side, organisation: int, *, title: str = "", font: float = 1.0) -> dict:
    """The time-series chart's spec: series names, colours and the horizon."""
    return {
        "kind": "series",
        "token": chart_token(side, organisation),
        "title": title,
        "names": [label for _, label, _, _ in SERIES],
        "colors": [colour for _, _, colour, _ in SERIES],
        "shown": [shown for _, _, _, shown in SERIES],
        "horizon": side.horizon,
        "font": font,
        "export_name": f"leadsim_{side.scenario.name}_series",
    }


def series_frame(side: Side, organisation: int, start: int, seq: int) -> dict:
    """Weeks ``start`` … now of the series (one row of values per week)."""
    records = side.model.engine.records
    start = max(0, min(start, len(records)))
    o = side.org_index(organisation)
    rows = [
        [_round(record.values[metric][o]) for metric in _SERIES_METRICS]
        for record in records[start:]
    ]
    return {"token": chart_token(side, organisation), "start": start, "rows": rows, "seq": seq}


def series_marks(side: Side, organisation: int) -> dict:
    """Events (step, label) of this organisation, and its reversion week (or ``None``)."""
    seen: set[tuple[int, str]] = set()
    events = []
    for step, org, label in side.model.events():
        if org == organisation and (step, label) not in seen:
            seen.add((step, label))
            events.append([step, label])
    return {
        "token": chart_token(side, organisation),
        "events": events,
        "reversion": side.watches[organisation].week,
    }


# --- organisation view ---------------------------------------------------------------------


def network_spec(side: Side, organisation: int, *, font: float = 1.0) -> dict:
    """The organisation view's spec: positions, links, roles and departments (once per run)."""
    layout = side.layout(organisation)
    engine = side.model.engine
    local = side.staff_slice(organisation)
    n_dept = len(layout.department_centres)
    department = engine.department[local].astype(np.int64)
    aggregate = None
    if layout.x.size > AGGREGATE_STAFF:
        # one node per department, expandable in the browser to its people, each person
        # placed at their offset from their department's centre in the full layout
        grid = aggregate_layout(department, layout.edges)
        aggregate = {
            "centres": np.round(grid.centres, 1).tolist(),
            "sizes": grid.sizes.astype(np.int64).tolist(),
            "links": grid.links.tolist(),
            "head": grid.head.tolist(),
            "origins": np.round(layout.department_centres, 1).tolist(),
        }
    return {
        "kind": "network",
        "token": chart_token(side, organisation),
        "n": int(layout.x.size),
        "x": layout.x.tolist(),
        "y": layout.y.tolist(),
        "edges": layout.edges.tolist(),
        "roles": engine.role[local].astype(np.int64).tolist(),
        "role_names": ["senior", "academic", "professional"],
        "department": department.tolist(),
        "departments": [
            [round(float(cx), 1), round(float(cy - 1.35 * layout.department_radius), 1)]
            for cx, cy in layout.department_centres
        ]
        if n_dept <= 20 and aggregate is None
        else [],
        "aggregate": aggregate,
        "head": [0.0, 0.0] if n_dept > 1 else [0.0, -1.8 * layout.department_radius],
        "font": font,
        "export_name": f"leadsim_{side.scenario.name}_organisation",
    }


def department_means(side: Side, organisation: int) -> tuple[np.ndarray, np.ndarray]:
    """Each department's mean anxiety and share of its staff leading this week."""
    engine = side.model.engine
    local = side.staff_slice(organisation)
    department = engine.department[local].astype(np.int64)
    sizes = np.maximum(np.bincount(department), 1)
    anxiety = np.bincount(department, weights=engine.anxiety[local]) / sizes
    leading = np.bincount(department, weights=engine.leading[local].astype(np.float64)) / sizes
    return anxiety, leading


def network_frame(side: Side, organisation: int) -> dict:
    """Each staff member's anxiety, authority and leading now, and the head's state.

    Above ``AGGREGATE_STAFF`` staff it also carries each department's mean anxiety and
    share leading (whole percent), computed here so that the browser draws them as sent.
    """
    engine = side.model.engine
    local = side.staff_slice(organisation)
    o = side.org_index(organisation)
    extra = {}
    if local.stop - local.start > AGGREGATE_STAFF:
        anxiety, leading = department_means(side, organisation)
        extra = {"dept_anxiety": _percent(anxiety), "dept_leading": _percent(leading)}
    return extra | {
        "token": chart_token(side, organisation),
        "week": int(engine.t),
        "anxiety": _percent(engine.anxiety[local]),
        "authority": _percent(engine.authority[local]),
        "leading": "".join("1" if lead else "0" for lead in engine.leading[local]),
        "head_anxiety": _round(engine.leader_anxiety[o]),
        "head_containment": _round(engine.containment[o]),
        "head_distribution": _round(engine.distribution[o]),
        "in_group": bool(engine.in_group[o]),
    }


# --- ASERT profile ---------------------------------------------------------------------------


def radar_spec(side: Side, organisation: int, *, title: str = "", font: float = 1.0) -> dict:
    """The ASERT radar's spec: the four axes of MODEL.md §6."""
    return {
        "kind": "radar",
        "token": chart_token(side, organisation),
        "title": title,
        "axes": [ASERT_LABELS[axis] for axis in ASERT_AXES],
        "font": font,
        "export_name": f"leadsim_{side.scenario.name}_asert",
    }


def radar_frame(side: Side, organisation: int) -> dict:
    """The ASERT profile at week 0 and now (empty before the first week)."""
    records = side.model.engine.records
    o = side.org_index(organisation)

    def profile(record: Any) -> list[float]:
        return [_round(record.values[metric][o]) for metric in ASERT_AXES.values()]

    token = chart_token(side, organisation)
    if not records:
        return {"token": token, "start": None, "now": None, "week": 0}
    return {
        "token": token,
        "start": profile(records[0]),
        "now": profile(records[-1]),
        "week": len(records),
    }


# --- small multiples -------------------------------------------------------------------------


def multiples_spec(side: Side, *, font: float = 1.0) -> dict:
    """Small multiples of every organisation of the system: index, head's anxiety, meetings."""
    count = side.organisations
    return {
        "kind": "multiples",
        "token": chart_token(side, None),
        "count": count,
        "names": [f"School {k + 1}" for k in range(count)],
        "horizon": side.horizon,
        "colors": [COLOURS["distribution_index"], COLOURS["leader_anxiety"]],
        "font": font,
        "export_name": f"leadsim_{side.scenario.name}_schools",
    }


def multiples_frame(side: Side, start: int, seq: int) -> dict:
    """Weeks ``start`` … now, per organisation: index, head's anxiety and meeting attendance.

    Attendance is ``1`` (met and attended), ``0`` (a meeting the head missed) or ``-1``
    (no meeting that week, or not in a group).
    """
    engine = side.model.engine
    records = engine.records
    start = max(0, min(start, len(records)))
    orgs = side.org_indices
    intervals = np.array([engine.p.per_org[o].meeting_interval for o in orgs], dtype=np.int64)
    rows = []
    for record in records[start:]:
        values = record.values
        meeting = (values["in_group"][orgs] > 0) & (record.step % intervals == 0)
        attended = np.where(meeting, values["attended"][orgs].astype(np.int64), -1)
        rows.append(
            [
                np.round(values["distribution_index"][orgs], 4).tolist(),
                np.round(values["leader_anxiety"][orgs], 4).tolist(),
                attended.tolist(),
            ]
        )
    return {"token": chart_token(side, None), "start": start, "rows": rows, "seq": seq}


def multiples_marks(side: Side) -> dict:
    """Each organisation's reversion week (or ``None``) and whether its head is in a group."""
    engine = side.model.engine
    return {
        "token": chart_token(side, None),
        "reversions": [watch.week for watch in side.watches],
        "in_group": [bool(engine.in_group[o]) for o in side.org_indices],
    }
