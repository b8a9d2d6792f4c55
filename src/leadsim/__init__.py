"""leadsim: agent-based simulation of leadership distribution and reversion to hierarchy."""

__version__ = "0.1.0"
