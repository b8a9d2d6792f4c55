"""Reversion detected while a run plays (MODEL.md §6), one week at a time.

:func:`leadsim.engine.metrics.detect_reversion` reads a whole series; a dashboard
frame must not rescan every week so far, so :class:`ReversionWatch` keeps the same
rule's state (the moving window, the first week the index reached ``hi``, the
current run of weeks below ``lo``) and updates it in constant time per week. The
two agree week for week (``tests/dashboard/test_reversion.py``).
"""

from __future__ import annotations

from collections import deque

from leadsim.params import Parameters


class ReversionWatch:
    """Incremental reversion detection for one organisation.

    Attributes:
        week: The week of the reversion (the last of the run below ``lo``), or ``None``.
        distributed: Whether the moving average has reached ``hi`` yet.
    """

    def __init__(self, params: Parameters) -> None:
        self.high = params.reversion_high
        self.low = params.reversion_low
        self.run_length = params.reversion_weeks
        self._window: deque[float] = deque(maxlen=params.smoothing_weeks)
        self._t = 0
        self._first_high: int | None = None
        self._run = 0
        self.week: int | None = None

    @property
    def distributed(self) -> bool:
        """The trailing average has reached ``hi`` at least once."""
        return self._first_high is not None

    def observe(self, index: float) -> None:
        """Take week ``t``'s distribution index (weeks in order from 0)."""
        self._window.append(index)
        smooth = sum(self._window) / len(self._window)  # a few weeks: no running-sum drift
        t = self._t
        if self._first_high is None and smooth >= self.high:
            self._first_high = t
        eligible = self._first_high is not None and t > self._first_high
        self._run = self._run + 1 if eligible and smooth < self.low else 0
        if self.week is None and self._run >= self.run_length:
            self.week = t
        self._t += 1
