"""Running the GPU engine in tests, where there is no GPU: numba's CUDA simulator.

``NUMBA_ENABLE_CUDASIM=1`` must be set before ``numba.cuda`` is first imported, so the
tests run a script in a subprocess with :func:`simulator`'s environment; a script that
starts with :data:`COUNT_ENGINES` records in ``built`` the runs of every GPU engine it
makes (so a test can check the GPU's engine ran, not the CPU's). :func:`no_cuda` is the
environment of a machine without CUDA, even on one that has it.
"""

from __future__ import annotations

import os

COUNT_ENGINES = """
import warnings
warnings.simplefilter("ignore")
from leadsim.engine import gpu

built = []  # the number of runs of each GPU engine made, in order
_init = gpu.DeviceEngine.__init__
def _counted(self, runs, *args, **kwargs):
    built.append(len(runs))
    _init(self, runs, *args, **kwargs)
gpu.DeviceEngine.__init__ = _counted
"""


def simulator() -> dict[str, str]:
    """This environment, with the CUDA simulator on."""
    return {**os.environ, "NUMBA_ENABLE_CUDASIM": "1", "PYTHONWARNINGS": "ignore"}


def no_cuda() -> dict[str, str]:
    """This environment, as if the machine had no CUDA GPU."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["NUMBA_DISABLE_CUDA"] = "1"
    return env
