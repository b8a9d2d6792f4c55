"""Workshop rooms: participants play the heads of a multi-school scenario, the model the rest.

:mod:`~leadsim.workshop.simulation` (a room's system and its replay),
:mod:`~leadsim.workshop.room` (seats, tokens, terms, the record),
:mod:`~leadsim.workshop.views` (what each page sees),
:mod:`~leadsim.workshop.debrief` (CSV, figures, "you vs the model"),
:mod:`~leadsim.workshop.server` (the routes) and :mod:`~leadsim.workshop.cli`.
"""
