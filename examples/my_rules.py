"""A new rule for leadsim, kept outside the package: reflection weeks rebuild containment.

In the model as shipped, the head's containment only erodes outside a learning group;
MODEL.md §7 leaves open whether reflection cycles might rebuild it too (seed 000 ii
asks for "facilitation and mentoring"). This module adds that rule through the
extension point (``leadsim.engine.extensions``), without editing leadsim.

In Python, pass an instance::

    simulate(scenario, extensions=[ReflectionRebuildsContainment()])

In an experiment file, name the class, with this folder on ``PYTHONPATH`` (every
worker imports the module and builds the class with no arguments)::

    extensions = ["my_rules:ReflectionRebuildsContainment"]

    PYTHONPATH=examples uv run leadsim sweep my_experiment.toml --out results/mine

Used by ``docs/tutorial.md`` and ``examples/tutorial.ipynb``.
"""

from __future__ import annotations

from leadsim.engine.extensions import Extension


class ReflectionRebuildsContainment(Extension):
    """In each reflection week, containment moves ``rate`` of the way back towards 1.

    ``after_reflection`` runs after phase 8 of the step (reflection and replanning),
    before the week's metrics are recorded, so the recorded containment includes it.
    ``engine.reflecting`` is this week's reflection flag per organisation (the cycles
    approach's last ``reflection_weeks`` of each cycle, or a ``start_reflection`` event);
    ``engine.containment`` is the heads' containment, one value per organisation.
    """

    def __init__(self, rate: float = 0.05) -> None:
        self.rate = rate

    def after_reflection(self, engine) -> None:
        """Rebuild containment in reflection weeks (elsewhere it is left as it is)."""
        engine.containment = engine.containment + self.rate * engine.reflecting * (
            1.0 - engine.containment
        )
