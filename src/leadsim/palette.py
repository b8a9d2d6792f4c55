"""One palette for a run's series: the dashboard's charts and the run's figure (PNG) alike.

The dashboard sends these colours to the browser in each chart's spec
(:mod:`leadsim.dashboard.payloads`); :func:`leadsim.plotting.run_figure` draws the same
metric in the same colour.
"""

from __future__ import annotations

# metric → colour (Matplotlib's tab10 and a few more, each metric its own)
COLOURS: dict[str, str] = {
    "distribution_index": "#1f77b4",
    "anxiety": "#d62728",
    "trust": "#2ca02c",
    "dependency": "#9467bd",
    "leader_anxiety": "#ff7f0e",
    "distribution": "#17becf",
    "containment": "#8c564b",
    "pressure": "#7f7f7f",
    "target": "#bcbd22",
    "peer_trust": "#e377c2",
    "authority": "#393b79",
}
