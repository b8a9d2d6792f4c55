"""How many runs a GPU batch holds: arithmetic only (no CUDA here, so tests need none).

:func:`leadsim.engine.gpu.batch_runs` asks the device and the host how much memory is
free and calls :func:`batch_size_for`.
"""

from __future__ import annotations

from leadsim.engine.metrics import METRICS

# Weeks of records kept on the device before they are copied to the host together.
RECORD_CHUNK = 16

# Bytes one person costs on the device: the state and this week's and last week's outputs,
# the network's links (about ten each), layout and scratch (counted from DeviceEngine).
DEVICE_BYTES_PER_PERSON = 260
# Per organisation on the device: the records buffer, the head's window, the tally.
DEVICE_BYTES_PER_ORGANISATION = RECORD_CHUNK * len(METRICS) * 8 + 2_048
# Per organisation and week on the host: its record (every metric, float64; the series
# are views of the records' block) and the share of the batch's tables.
HOST_BYTES_PER_ORGANISATION_WEEK = len(METRICS) * 8 + 16
HOST_BYTES_PER_PERSON = 400  # building the organisations: draws, networks, sorting
MAX_BATCH_RUNS = 250_000  # more in one batch only delays the first results
USABLE = 0.6  # of the memory free: the rest for CUDA's own, numpy's temporaries, others


def batch_size_for(
    staff: float,
    organisations: float,
    horizon: int,
    sharing: int,
    device_free: float,
    host_free: float,
) -> int:
    """Runs per batch that ``sharing`` workers can hold at once, on the device and the host.

    A run is ``organisations`` organisations of ``staff`` people, simulated for
    ``horizon`` weeks; each worker holds one batch at a time. At least 1, at most
    :data:`MAX_BATCH_RUNS`.
    """
    orgs = max(float(organisations), 1.0)
    people = max(float(staff), 1.0) * orgs
    device_run = people * DEVICE_BYTES_PER_PERSON + orgs * DEVICE_BYTES_PER_ORGANISATION
    host_run = (
        people * HOST_BYTES_PER_PERSON + orgs * (horizon + 1) * HOST_BYTES_PER_ORGANISATION_WEEK
    )
    share = max(int(sharing), 1)
    fits = min(USABLE * device_free / (share * device_run), USABLE * host_free / (share * host_run))
    return int(min(max(fits, 1), MAX_BATCH_RUNS))


def worker_batch_runs(staff: float, organisations: float, horizon: int, sharing: int) -> int:
    """:func:`leadsim.engine.gpu.batch_runs` where this runs (a top-level task for workers)."""
    from leadsim.engine import gpu

    return gpu.batch_runs(staff, organisations, horizon, sharing)
