"""What each page of a room sees (JSON-able dicts).

A participant sees their own school only; the facilitator and observers see every
school side by side. Nothing here holds a token: views are built from room state and
never echo another visitor's secret.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leadsim.workshop.room import Room, school_name

# what a participant sees of their school: series name -> label
SCHOOL_SERIES: dict[str, str] = {
    "anxiety": "staff anxiety",
    "trust": "staff trust in you",
    "distribution": "leadership you distribute",
    "share_leading": "share of staff leading",
    "leader_anxiety": "your anxiety",
    "containment": "your containment",
    "target": "your target",
}
# what the room sees of every school
ROOM_SERIES: tuple[str, ...] = ("distribution_index", "anxiety", "leader_anxiety", "containment")
_DIGITS = 4


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), _DIGITS) for v in values]


def _series(series: dict[str, np.ndarray], school: int, names) -> dict[str, list[float]]:
    out = {}
    for name in names:
        if name == "share_leading":
            column = series["acts"][:, school] / _staff_count(series, school)
        else:
            column = series[name][:, school]
        out[name] = _rounded(column)
    return out


def _staff_count(series: dict[str, np.ndarray], school: int) -> float:
    return float(series["_n_staff"][school])


def _all_series(room: Room, run=None) -> dict[str, np.ndarray]:
    run = run or room.run
    series = run.series() if run.engine.records else {}
    series["_n_staff"] = run.engine.org_size.astype(float)
    return series


def remaining(room: Room) -> float | None:
    """Seconds left on the term's timer (``None``: no timer running or paused)."""
    if room.deadline is not None:
        return max(0.0, round(room.deadline - room.clock(), 1))
    if room.remaining is not None:
        return round(room.remaining, 1)
    return None


def _common(room: Room) -> dict[str, Any]:
    return {
        "code": room.code,
        "version": room.version,
        "phase": room.phase,
        "term": len(room.terms) + 1 if room.phase != "ended" else len(room.terms),
        "terms_run": len(room.terms),
        "week": room.run.week,
        "horizon": room.scenario.horizon,
        "term_weeks": room.term_weeks,
        "timer": room.timer,
        "remaining": remaining(room),
        "scenario": room.scenario.title,
        "seated": len(room.seated()),
        "decided": sum(1 for school in room.seated() if school in room.pending),
    }


def participant_view(room: Room, seat: int) -> dict[str, Any]:
    """A seated head's page: their own school's series, decisions and state."""
    view = _common(room)
    series = _all_series(room)
    own = room.seats[seat]
    history = []
    for term in room.terms:
        for entry in term["entries"]:
            if entry["kind"] == "decide" and entry["seat"] == seat:
                history.append(
                    {
                        "week": entry["week"],
                        "choice": entry["choice"],
                        "target": round(entry["target"], 3),
                        "attend": entry["attend"],
                        "reflect": entry["reflect"],
                    }
                )
    pending = room.pending.get(seat)
    target = float(
        room.run.heads.target[seat] if room.run.heads.seated[seat] else room.run.engine.target[seat]
    )
    view.update(
        role="participant",
        seat=seat,
        school=school_name(seat),
        name=own.name,
        target=round(target, 3),
        decision=None
        if pending is None
        else {"choice": pending.choice, "attend": pending.attend, "reflect": pending.reflect},
        history=history,
        series=_series(series, seat, SCHOOL_SERIES) if "acts" in series else {},
        labels=SCHOOL_SERIES,
        meetings=_meetings(room, series, seat),
        inspection=any(school in (None, seat) for school in room.pending_shocks),
    )
    return view


def _meetings(room: Room, series: dict[str, np.ndarray], school: int) -> list[dict[str, Any]]:
    """Learning-group meetings so far that ``school``'s head was called to: week, attended."""
    if "attended" not in series:
        return []
    weeks = np.flatnonzero(_meeting_weeks(room, series) & (series["in_group"][:, school] > 0))
    return [{"week": int(w), "attended": bool(series["attended"][w, school] > 0)} for w in weeks]


def room_view(room: Room, role: str) -> dict[str, Any]:
    """The facilitator's or an observer's page: every school, the decisions over time."""
    view = _common(room)
    series = _all_series(room)
    reverted, when = room.run.reverted()
    schools = []
    attendance = _attendance(room, series)
    for seat in room.seats:
        k = seat.school
        schools.append(
            {
                "school": school_name(k),
                "head": seat.name,  # None: played by the model
                "seated": seat.token is not None,  # False once freed: the next to join takes it
                "decided": k in room.pending,
                "reverted": reverted[k],
                "reverted_week": when[k],
                "series": _series(series, k, ROOM_SERIES) if "acts" in series else {},
                "attended": attendance[k],
            }
        )
    decisions = [
        {
            "term": n + 1,
            "week": term["start"],
            "entries": [
                {
                    key: entry[key]
                    for key in ("kind", "seat", "choice", "attend", "reflect")
                    if key in entry
                }
                for entry in term["entries"]
            ],
        }
        for n, term in enumerate(room.terms)
    ]
    view.update(
        role=role,
        schools=schools,
        decisions=decisions,
        pending_shocks=list(room.pending_shocks),
        compare=_comparison(room) if room.phase == "ended" or room.compare else None,
    )
    return view


def _attendance(room: Room, series: dict[str, np.ndarray]) -> list[list[int]]:
    """Per school, each meeting week so far: 1 attended, 0 absent (members only)."""
    if "attended" not in series:
        return [[] for _ in room.seats]
    meeting_weeks = np.flatnonzero(_meeting_weeks(room, series))
    return [
        [int(series["attended"][w, k] > 0) for w in meeting_weeks] for k in range(len(room.seats))
    ]


def _meeting_weeks(room: Room, series: dict[str, np.ndarray]) -> np.ndarray:
    interval = int(room.scenario.params.meeting_interval)
    weeks = np.arange(series["attended"].shape[0])
    return ((weeks % interval) == 0) & series["in_group"].any(axis=1)


def _comparison(room: Room) -> dict[str, Any]:
    """'You vs the model': each school's distribution index, the room's and the model's."""
    if not room.terms:
        return {"schools": []}
    model = room.model_run().series()
    mine = room.run.series()
    reverted_model, _ = room.model_run().reverted()
    reverted_room, _ = room.run.reverted()
    return {
        "schools": [
            {
                "school": school_name(k),
                "room": _rounded(mine["distribution_index"][:, k]),
                "model": _rounded(model["distribution_index"][:, k]),
                "room_reverted": reverted_room[k],
                "model_reverted": reverted_model[k],
            }
            for k in range(len(room.seats))
        ]
    }
