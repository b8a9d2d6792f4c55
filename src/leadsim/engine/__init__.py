"""The array engine: every rule of MODEL.md §4 over many organisations at once."""

from leadsim.engine.core import Engine, RunSpec
from leadsim.engine.extensions import Extension
from leadsim.engine.metrics import ASERT_AXES, METRICS, SUMMARIES

__all__ = ["ASERT_AXES", "METRICS", "SUMMARIES", "Engine", "Extension", "RunSpec"]
