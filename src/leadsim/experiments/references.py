"""What an experiment file's ``"module:name"`` texts may reach: only code written for leadsim.

A file names an external model (``model = "module:function"``) and extensions
(``extensions = ["module:Class"]``). Validation checks only their form; they are
resolved when a run starts, and only to a function marked with :func:`external_model`
or a subclass of :class:`~leadsim.engine.extensions.Extension`. Anything else
(``os:abort``, ``builtins:input``) is refused in one line and never called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadsim.engine.extensions import extension_class, import_reference

MARK = "__leadsim_model__"


def external_model[F: Callable[..., Any]](function: F) -> F:
    """Mark ``function`` as a model an experiment file may name (returned unchanged).

    Example::

        @external_model
        def my_model(points, seeds): ...
    """
    setattr(function, MARK, True)
    return function


def resolve_model(reference: str) -> Callable[..., Any]:
    """The function ``"module:function"`` names, if it is marked with :func:`external_model`.

    Imports the module; calls nothing.

    Raises:
        ValueError: one line, if it does not load or is not a marked function.
    """
    target = import_reference(reference, "model", "'module:function'")
    if not (callable(target) and getattr(target, MARK, False) is True):
        raise ValueError(
            f"model: {reference!r} is not a leadsim model; allowed: a function marked with "
            "@leadsim.experiments.external_model"
        )
    return target


def resolve_extension(reference: str) -> type:
    """The :class:`~leadsim.engine.extensions.Extension` subclass ``"module:Class"`` names.

    Imports the module; builds nothing.

    Raises:
        ValueError: one line, if it does not load or is not an Extension subclass.
    """
    return extension_class(reference)
