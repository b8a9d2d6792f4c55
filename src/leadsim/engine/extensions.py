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
arguments in each worker). A class named in a file must subclass :class:`Extension`:
a reference reaches only what was written for leadsim, never ``os:abort``.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadsim.engine.core import Engine

PHASES: tuple[str, ...] = ("after_leader", "after_outcomes", "after_staff", "after_reflection")
# "package.module:name": a dotted module path, a colon, an identifier (checked as text only).
REFERENCE = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*:[^\W\d]\w*")


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


def import_reference(reference: str, what: str, form: str) -> Any:
    """The object that ``"package.module:name"`` names: its module imported, nothing called.

    Args:
        reference: the text, as in an experiment file.
        what: the field, first in an error (``extension``, ``model``).
        form: the form the field expects, for an error (``'module:function'``).

    Raises:
        ValueError: one line, if the text is malformed or does not load.
    """
    if not REFERENCE.fullmatch(reference):
        raise ValueError(
            f"{what}: {reference!r} is not {form}; allowed: a dotted module path, a colon "
            "and a name"
        )
    module_name, _, attribute = reference.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except Exception as err:  # the module's own code may raise anything while it loads
        reason = (str(err).splitlines() or [type(err).__name__])[0]
        raise ValueError(f"{what}: cannot load {reference!r} ({reason})") from None


def extension_class(reference: str) -> type[Extension]:
    """The :class:`Extension` subclass named by ``"package.module:ClassName"`` (not built).

    Raises:
        ValueError: one line, if the reference does not load or names anything else.
    """
    target = import_reference(reference, "extension", "'package.module:ClassName'")
    if not (isinstance(target, type) and issubclass(target, Extension)):
        raise ValueError(
            f"extension: {reference!r} is not an Extension subclass; allowed: a subclass of "
            "leadsim.engine.extensions.Extension"
        )
    return target


def load_extension(reference: str) -> Extension:
    """Build the extension ``"package.module:ClassName"`` names (with no arguments).

    Only a subclass of :class:`Extension` is built (:func:`extension_class`).
    """
    return extension_class(reference)()
