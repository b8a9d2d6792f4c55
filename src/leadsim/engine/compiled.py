"""Importing this module readies every compiled kernel in this process, once.

Kernels compile at their first call (or load from the disk cache, about half a second
in all); the first process after an install compiles them into the cache
(``leadsim warm-up`` does it when the user chooses, with a progress line). A process pool that forks its workers from a server which has imported this
module starts every worker with the kernels ready: ``leadsim.experiments`` preloads it.
"""

from __future__ import annotations

import numpy as np

from leadsim.engine import kernels
from leadsim.engine.core import Engine, RunSpec
from leadsim.params import Parameters


def ready() -> None:
    """Call every kernel once, on a tiny batch, with the types a real run passes them."""
    params = Parameters(
        n_staff=24,
        department_size=6,
        approach="cycles",
        cycle_length=3,
        reflection_weeks=1,
        learning_group=True,
    )
    engine = Engine([RunSpec(params, seed=1), RunSpec(params, seed=2, organisations=2)])
    engine.run(3)
    adjacency = engine.adjacency
    kernels.count_led_neighbours(
        adjacency.indptr, adjacency.indices, engine.leading, np.zeros(engine.n_staff, np.int32)
    )
    kernels.mark_ready()


ready()
