"""Where each staff member sits in the organisation view: computed once per organisation.

Departments are clusters placed on a ring around the head; inside a department,
members sit on a sunflower spiral (Vogel's phyllotaxis), the best-connected nearest
its centre. The layout depends only on the network, so it is the same for every
frame of a run and for every run of the same organisation: staff do not jump about
while the run plays, and the two sides of a comparison with the same seed line up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))

# above this many staff the organisation view draws one node per department (expandable)
AGGREGATE_STAFF = 150
# the grid of department nodes, in the layout's units: a cell holds a department's node
# and its label, or, expanded, its people (a disc of radius 100 at most)
_CELL_W, _CELL_H = 300.0, 270.0


@dataclass(frozen=True)
class OrganisationLayout:
    """Positions of one organisation's staff, its links, and where to label departments.

    Attributes:
        x: Horizontal position of each staff member (organisation-local order).
        y: Vertical position of each staff member.
        edges: Links as a flat array ``[i0, j0, i1, j1, …]`` of local indices.
        department_centres: ``(k, 2)`` centre of each department.
        department_radius: Radius of the disc a department's members occupy.
    """

    x: np.ndarray
    y: np.ndarray
    edges: np.ndarray
    department_centres: np.ndarray
    department_radius: float


def sunflower(count: int, radius: float) -> np.ndarray:
    """``count`` points spread evenly over a disc of ``radius``, the first at the centre."""
    k = np.arange(count, dtype=np.float64)
    r = radius * np.sqrt((k + 0.5) / max(count, 1))
    theta = k * _GOLDEN_ANGLE
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def department_layout(
    department: np.ndarray, degree: np.ndarray, edges: np.ndarray
) -> OrganisationLayout:
    """Lay out one organisation from its staff's departments, degrees and links.

    Args:
        department: Department of each staff member (0, 1, …), organisation-local.
        degree: Number of colleagues of each staff member.
        edges: Links as ``(m, 2)`` local indices.

    Returns:
        The layout; departments on a ring (a single department at the centre).
    """
    n = department.size
    n_dept = int(department.max()) + 1 if n else 0
    sizes = np.bincount(department, minlength=n_dept)
    largest = int(sizes.max()) if n else 1
    # In pixel-like units: ECharts (5.4) snaps graph lines to half units before scaling them
    # to the screen, which bends lines between nodes laid out at a scale of about 1.
    inner = 100.0  # radius of a department of the largest size
    angle = np.zeros(max(n_dept, 1))
    if n_dept <= 1:
        centres = np.zeros((max(n_dept, 1), 2))
    else:
        # ring radius such that neighbouring departments do not overlap
        ring = max(2.6 * inner, 1.25 * inner / math.sin(math.pi / n_dept))
        # clockwise from the top, on screen (the browser's y axis points down)
        angle = math.pi / 2 - 2 * math.pi * np.arange(n_dept) / n_dept
        centres = ring * np.column_stack([np.cos(angle), -np.sin(angle)])
    x, y = np.zeros(n), np.zeros(n)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    for d in range(n_dept):
        members = np.flatnonzero(department == d)
        order = members[np.argsort(-degree[members], kind="stable")]
        radius = inner * math.sqrt(members.size / largest)
        spots = sunflower(members.size, radius)
        # each department's spiral turned to face the head, so that departments look alike
        # from the centre and links between them do not line up by accident
        turn = np.array(
            [[math.cos(angle[d]), -math.sin(angle[d])], [math.sin(angle[d]), math.cos(angle[d])]]
        )
        spots = spots @ turn.T
        x[order] = centres[d, 0] + spots[:, 0]
        y[order] = centres[d, 1] - spots[:, 1]
    return OrganisationLayout(
        x=np.round(x, 1),
        y=np.round(y, 1),
        edges=edges.reshape(-1),
        department_centres=centres,
        department_radius=inner,
    )


@dataclass(frozen=True)
class AggregateLayout:
    """One node per department, on a grid under the head, and the links between departments.

    Attributes:
        centres: ``(k, 2)`` position of each department's node (and of its people's disc).
        sizes: Staff in each department.
        links: ``(m, 3)`` rows ``[a, b, count]``: ``count`` links between departments a < b.
        head: Where the head sits: centred above the grid.
    """

    centres: np.ndarray
    sizes: np.ndarray
    links: np.ndarray
    head: np.ndarray


def aggregate_layout(department: np.ndarray, edges: np.ndarray) -> AggregateLayout:
    """Departments on a square grid of rows, the head above, the links between them counted."""
    n_dept = int(department.max()) + 1 if department.size else 0
    sizes = np.bincount(department, minlength=n_dept)
    cols = max(1, math.ceil(math.sqrt(n_dept)))
    rows = math.ceil(n_dept / cols) if n_dept else 0
    k = np.arange(n_dept)
    row, col = k // cols, k % cols
    # the last row centred under the others
    in_row = np.where(row == rows - 1, n_dept - (rows - 1) * cols, cols)
    x = (col - (in_row - 1) / 2) * _CELL_W
    y = (row + 1) * _CELL_H
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    a, b = department[edges[:, 0]], department[edges[:, 1]]
    cross = a != b
    lo, hi = np.minimum(a[cross], b[cross]), np.maximum(a[cross], b[cross])
    pairs, counts = np.unique(lo * max(n_dept, 1) + hi, return_counts=True)
    links = np.column_stack([pairs // max(n_dept, 1), pairs % max(n_dept, 1), counts])
    return AggregateLayout(
        centres=np.column_stack([x, y]).astype(np.float64),
        sizes=sizes,
        links=links.astype(np.int64).reshape(-1, 3),
        head=np.array([0.0, 0.0]),
    )
