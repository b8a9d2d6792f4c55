"""Figures in a Jupyter notebook, shown once, as pyplot users expect.

leadsim builds its figures without pyplot (no backend switch, nothing kept alive), so
a notebook shows one only as the cell's last expression: ``fig = plot_outcomes(...)``
showed nothing. :func:`shown` makes a figure made in a cell appear when the cell ends,
once: not again when it is also the cell's result, which Jupyter draws itself.
Outside a Jupyter kernel it does nothing.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

_pending: list[Any] = []  # figures made in the running cell, to show when it ends


def _kernel_shell() -> Any:
    """IPython's shell when this process is a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if type(shell).__module__.startswith("solara"):  # the dashboard's virtual kernels
        return None
    return shell if getattr(shell, "kernel", None) is not None else None


def _draws_figures(shell: Any) -> bool:
    """The kernel has a formatter that draws a matplotlib figure as an image."""
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    for mime in ("image/png", "image/svg+xml", "image/jpeg", "application/pdf"):
        try:
            formatters[mime].lookup_by_type(Figure)
        except KeyError:
            continue
        return True
    return False


def _show_pending(result: Any) -> None:
    """After a cell: show each figure it made, unless Jupyter showed it as the result."""
    from IPython.display import display

    shell = _kernel_shell()
    figures, _pending[:] = list(_pending), []
    if shell is not None:
        shell.events.unregister("post_run_cell", _show_pending)
    for figure in figures:
        if figure is not getattr(result, "result", None):
            display(figure)


def shown(figure: Any) -> Any:
    """Return ``figure``; in a Jupyter kernel, also show it when the cell ends (once)."""
    shell = _kernel_shell()
    if shell is None:
        return figure
    if not _draws_figures(shell):  # no inline backend yet: draw figures as PNG
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})
    if not _pending:
        shell.events.register("post_run_cell", _show_pending)
    _pending.append(figure)
    return figure


def forget(figure: Any) -> None:
    """Do not show ``figure`` when the cell ends (it was made for a file, not the cell)."""
    _pending[:] = [kept for kept in _pending if kept is not figure]


def in_notebook() -> bool:
    """This process is a Jupyter kernel (not the dashboard's virtual kernels)."""
    return _kernel_shell() is not None


def displayed(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a function that returns a figure: its figure is :func:`shown`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return shown(function(*args, **kwargs))

    return wrapper
