"""What a sweep's worker does: expand batch recipes into runs, simulate, write its own parts.

A task is ``run_task(job, recipes)``: ``job`` is the sweep's description, pickled once
by the coordinator and unpickled once per worker process (it is cached per call of
``run_sweep``);
``recipes`` are a few :class:`~leadsim.experiments.plan.BatchRecipe`. For each batch
the worker plans and simulates its runs, encodes the runs (and series) as Parquet with
the batch's id and row counts in the file's metadata, and, where it can see the
sweep's folder, writes the files itself (atomically, under the batch's own names).
It hands back a :class:`Receipt`: counts, checksums, seconds. Where it cannot see
the folder (a cluster without a shared file system), the receipt carries the bytes and
the coordinator writes them, at the cost of a file write per batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leadsim.experiments.plan import BatchRecipe, recipe_designs
from leadsim.experiments.runner import batch_of, factor_kinds, plan_runs, simulate_batch
from leadsim.experiments.spec import Experiment

BATCHES = "batches"
SERIES = "series"
MANIFEST = "manifest.json"
META_BATCH = b"leadsim.batch"
META_ROWS = b"leadsim.rows"
META_RUNS = b"leadsim.runs"
META_SWEEP = b"leadsim.sweep"


@dataclass(frozen=True)
class SweepJob:
    """What every task of a sweep shares: the experiment and where results go."""

    sweep_id: str
    out: str
    experiment: Experiment
    workers_write: bool | None = None  # None: where the worker can see the folder
    device: str = "cpu"  # where each batch's engine runs (see run_sweep)


@dataclass(frozen=True)
class Receipt:
    """What a worker hands back for a batch: small, whatever the batch's size.

    ``data`` and ``series_data`` carry the Parquet bytes only where the worker could
    not write them into the sweep's folder itself.
    """

    batch_id: int
    runs: int
    rows: int
    sha256: str
    series_rows: int
    series_sha256: str | None
    seconds: float
    statuses: dict[str, int]
    data: bytes | None = field(default=None, repr=False)
    series_data: bytes | None = field(default=None, repr=False)
    device: str = "cpu"  # where the batch's engine ran (a replay runs it there again)

    def record(self) -> dict[str, Any]:
        """The receipt as the sweep's log records it (one JSON line; a CPU batch's as before)."""
        device = {} if self.device == "cpu" else {"device": self.device}
        return {
            "batch": self.batch_id,
            "runs": self.runs,
            "rows": self.rows,
            "sha256": self.sha256,
            "series_rows": self.series_rows,
            "series_sha256": self.series_sha256,
            "seconds": round(self.seconds, 4),
            "statuses": self.statuses,
            **device,
        }


def runs_name(batch_id: int) -> str:
    """The runs part of a batch, relative to the sweep's folder."""
    return f"{BATCHES}/runs-{batch_id:06d}.parquet"


def series_name(batch_id: int) -> str:
    """The series part of a batch, relative to the sweep's folder."""
    return f"{SERIES}/series-{batch_id:06d}.parquet"


# Per worker process: the jobs it has seen (by call), their planned points, and
# whether it sees their folders.
_JOBS: dict[str, tuple[SweepJob, dict[int, Any], bool]] = {}


def run_task(job_id: str, job: bytes, recipes: tuple[BatchRecipe, ...]) -> list[Receipt]:
    """Simulate a task's batches and return their receipts (top level: picklable).

    Args:
        job_id: The key of this process's cache of jobs (new for each call of run_sweep).
        job: The pickled :class:`SweepJob`, unpickled once per process.
        recipes: The batches to run.
    """
    if job_id not in _JOBS:
        loaded: SweepJob = pickle.loads(job)  # noqa: S301 - the coordinator's own bytes
        _JOBS.clear()  # one sweep at a time per process: keep memory bounded
        _JOBS[job_id] = (loaded, {}, _sees_folder(loaded))
    sweep, points, visible = _JOBS[job_id]
    return [run_recipe(sweep, recipe, points, visible) for recipe in recipes]


def run_recipe(job: SweepJob, recipe: BatchRecipe, points: dict[int, Any], write: bool) -> Receipt:
    """Expand, simulate and encode one batch; write its parts if ``write``."""
    started = time.perf_counter()
    experiment = job.experiment
    plans = plan_runs(experiment, recipe_designs(experiment, recipe), points)
    if len(points) > 100_000:  # a design with very many points: start the cache over
        points.clear()
    batch = batch_of(experiment, recipe.batch_id, plans, factor_kinds(experiment))
    if job.device != batch.device:
        batch = replace(batch, device=job.device)
    result = simulate_batch(batch)
    runs = result.runs
    statuses = runs.drop_duplicates("run_id")["status"].value_counts()
    data = encode_part(runs, recipe.batch_id, recipe.size, job.sweep_id)
    series_data = None
    if result.series is not None:
        series_data = encode_part(result.series, recipe.batch_id, recipe.size, job.sweep_id)
    seconds = time.perf_counter() - started
    receipt = Receipt(
        batch_id=recipe.batch_id,
        runs=recipe.size,
        rows=len(runs),
        sha256=hashlib.sha256(data).hexdigest(),
        series_rows=0 if result.series is None else len(result.series),
        series_sha256=None if series_data is None else hashlib.sha256(series_data).hexdigest(),
        seconds=seconds,
        statuses={str(k): int(v) for k, v in sorted(statuses.items())},
        device=batch.device,
    )
    if not write:
        return replace(receipt, data=data, series_data=series_data)
    root = Path(job.out)
    if series_data is not None:
        write_atomic(root / series_name(recipe.batch_id), series_data)
    write_atomic(root / runs_name(recipe.batch_id), data)
    return receipt


def encode_part(frame: Any, batch_id: int, runs: int, sweep_id: str) -> bytes:
    """A batch's table as Parquet bytes, its batch id, rows and runs in the file's metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata.update(
        {
            META_BATCH: str(batch_id).encode(),
            META_ROWS: str(table.num_rows).encode(),
            META_RUNS: str(runs).encode(),
            META_SWEEP: sweep_id.encode(),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(metadata), sink)
    return sink.getvalue().to_pybytes()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name no other writer can use, then rename.

    Not flushed to disk: a sweep's log records each part's checksum, and a resumed
    sweep checks every part against it, so a part lost to a crash is found and redone.
    """
    tmp = path.with_name(
        f".{path.name}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    )
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OSError(err.errno, err.strerror, str(path)) from None  # the name that matters
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _sees_folder(job: SweepJob) -> bool:
    """Whether this process sees the sweep's folder (its manifest names this sweep)."""
    if job.workers_write is not None:
        return job.workers_write
    try:
        manifest = json.loads((Path(job.out) / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("sweep_id") == job.sweep_id
