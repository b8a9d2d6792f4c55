"""A room's debrief: its series and decisions as CSV, and "you vs the model" as a figure.

"You vs the model" is the same scenario, seed, inspections and weeks, with every head
played by the model's own policy (:meth:`leadsim.workshop.room.Room.model_run`).
"""

from __future__ import annotations

import io
import json

import pandas as pd
from matplotlib.figure import Figure

from leadsim.engine import METRICS
from leadsim.palette import COLOURS
from leadsim.workshop.room import Room, school_name

_ROOM_COLOUR, _MODEL_COLOUR = COLOURS["distribution_index"], COLOURS["pressure"]


def series_frame(room: Room) -> pd.DataFrame:
    """One row per week and school: who played the head, the room's metrics, the model's index."""
    if not room.terms:
        return pd.DataFrame(
            columns=["week", "school", "head", *METRICS, "model_distribution_index"]
        )
    mine, model = room.run.series(), room.model_run().series()
    rows = []
    for k, seat in enumerate(room.seats):
        for week in range(room.run.week):
            row = {"week": week, "school": school_name(k), "head": seat.name or "model"}
            row.update({name: float(mine[name][week, k]) for name in METRICS})
            row["model_distribution_index"] = float(model["distribution_index"][week, k])
            rows.append(row)
    return pd.DataFrame(rows)


def decisions_frame(room: Room) -> pd.DataFrame:
    """One row per entry of the record: term, week, kind, school, head, the decision."""
    rows = []
    for n, term in enumerate(room.terms, start=1):
        for entry in term["entries"]:
            seat = entry["seat"]
            rows.append(
                {
                    "term": n,
                    "week": entry["week"],
                    "weeks": term["weeks"],
                    "kind": entry["kind"],
                    "school": "all" if seat is None else school_name(seat),
                    "head": "" if seat is None else (room.seats[seat].name or "model"),
                    "choice": entry.get("choice", ""),
                    "target": entry.get("target", ""),
                    "attend": entry.get("attend", ""),
                    "reflect": entry.get("reflect", ""),
                    "size": entry.get("size", ""),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "term",
            "week",
            "weeks",
            "kind",
            "school",
            "head",
            "choice",
            "target",
            "attend",
            "reflect",
            "size",
        ],
    )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV."""
    return frame.to_csv(index=False).encode("utf-8")


def record_bytes(room: Room) -> bytes:
    """The room's record as JSON (replay it with :func:`leadsim.workshop.room.replay_record`)."""
    return json.dumps(room.record(), indent=1).encode("utf-8")


def versus_figure(room: Room) -> Figure:
    """Each school's distribution index: the room's heads (solid) and the model's (dashed)."""
    schools = len(room.seats)
    columns = min(schools, 4)
    rows = -(-schools // columns)
    figure = Figure(figsize=(3.2 * columns, 2.4 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
    mine = room.run.series() if room.terms else None
    model = room.model_run().series() if room.terms else None
    for k in range(rows * columns):
        ax = axes[k // columns][k % columns]
        if k >= schools:
            ax.set_visible(False)
            continue
        seat = room.seats[k]
        ax.set_title(f"{school_name(k)}\n{seat.name or 'model'}", fontsize=9)
        if mine is not None:
            ax.plot(mine["distribution_index"][:, k], color=_ROOM_COLOUR, label="room")
            ax.plot(
                model["distribution_index"][:, k],
                color=_MODEL_COLOUR,
                linestyle="--",
                label="model",
            )
        for term in room.terms:
            ax.axvline(term["start"], color="0.85", linewidth=0.6, zorder=0)
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("distribution index")
    axes[0][0].legend(fontsize=7, loc="lower left")
    figure.suptitle(f"Room {room.code}: you vs the model ({room.scenario.title})", fontsize=10)
    return figure


def figure_png(room: Room) -> bytes:
    """:func:`versus_figure` as PNG bytes."""
    buffer = io.BytesIO()
    versus_figure(room).savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
