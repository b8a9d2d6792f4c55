"""A plain-Mesa reference implementation of MODEL.md: the oracle and the speed baseline.

Not part of the leadsim package. Agents are ordinary ``mesa.Agent`` subclasses
with per-agent methods, stepped by ``shuffle_do``; the model runs one system at a
time. ``tests/reference/test_equivalence.py`` checks that leadsim's engine and this
model agree in distribution; ``benchmarks/run.py`` reports the engine's speed as a
ratio to this model's.
"""

from .agents import StaffMember, TopLeader
from .model import RECORDED, LearningGroup, ReferenceModel
from .summary import detect_reversion, run_parameters, run_reference, summarise

__all__ = [
    "RECORDED",
    "LearningGroup",
    "ReferenceModel",
    "StaffMember",
    "TopLeader",
    "detect_reversion",
    "run_parameters",
    "run_reference",
    "summarise",
]
