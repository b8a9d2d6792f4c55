"""The browser dashboard (MODEL.md §8): Solara on the Mesa model, one model per visitor.

The server computes, the browser draws: every chart is an ECharts canvas built in
the browser from lean data the server sends (a step sends the new weeks and the
staff state, never a picture), and every visitor's page holds its own models.
``uv run leadsim dashboard`` serves it (:mod:`leadsim.dashboard.server`).
"""
