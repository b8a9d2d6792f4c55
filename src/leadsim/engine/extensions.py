"""Extension point: new rules added to the engine without editing the package.

An extension is an object with any of the methods below; the engine calls each after
the matching phase of every step (MODEL.md §3), with the engine itself, whose arrays
it may read and write. Rules written this way see the same state, in the same order,
in a single run, a Mesa model, a dashboard session and a sweep.

Example, the "known weakness" of MODEL.md §7 that reflection might rebuild
containment::

    class ReflectionRebuildsContainment(Extension):
        def __init__(self, rate=0.05):
            self.rate = rate

        def after_reflection(self, engine):
            reflecting = engine.reflecting  # per organisation, this week
            engine.containment += self.rate * reflecting * (1 - engine.containment)

Pass extensions as ``Engine(runs, extensions=[...])``,
``LeadershipModel(..., extensions=[...])``, ``simulate(..., extensions=[...])``, or in
an experiment file as ``extensions = ["package.module:ClassName"]`` (built with no
arguments in each worker).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadsim.engine.core import Engine

PHASES: tuple[str, ...] = ("after_leader", "after_outcomes", "after_staff", "after_reflection")


class Extension:
    """Base class with no-op hooks; override the phases a new rule needs."""

    def after_leader(self, engine: Engine) -> None:
        """After the leader's anxiety, containment and distribution update (step 4)."""

    def after_outcomes(self, engine: Engine) -> None:
        """After offers, take-up, success and conflict (steps 5–6).

        This week's outcomes are in ``engine.this_week`` (``offered``, ``leading``,
        ``succeeded``, ``failed``, ``collisions``, ``in_conflict``, ``unresolved``:
        staff arrays). Change them here, in place, to change what the staff update,
        next week's social proof and the records see.
        """

    def after_staff(self, engine: Engine) -> None:
        """After the staff update (step 7).

        Changes to staff state here are seen by replanning and by the records (the
        engine tallies the staff again after this hook when an extension defines it).
        """

    def after_reflection(self, engine: Engine) -> None:
        """After reflection and replanning (step 8), before the metrics are recorded."""


def load_extension(reference: str) -> object:
    """Build an extension from ``"package.module:ClassName"`` (called with no arguments)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(
            f"extension: {reference!r} is not 'package.module:ClassName'; allowed: an importable class"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"extension: cannot load {reference!r} ({err})") from None
    return factory()
