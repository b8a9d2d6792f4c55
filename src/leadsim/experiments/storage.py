"""A sweep's results folder: manifest, per-batch Parquet files, atomic writes, resume.

Layout of ``DIR``::

    manifest.json            experiment hash, leadsim version, design size, batches done
    experiment.toml          the experiment file's bytes, as swept (for replay and report)
    scenario.toml            the base scenario file's bytes, as swept (if it is a file)
    batches/runs-000012.parquet    one row per run and organisation of batch 12
    series/series-000012.parquet   tidy per-step series of batch 12 (if kept)
    runs.parquet             every run, gathered when the sweep ends

Every file is written to a temporary name in its folder, flushed to disk and renamed
(``os.replace``), so a reader, or a resumed sweep, never sees half a file. A batch
counts as done only once the manifest lists it; on resume, files of batches not
listed are partial and are redone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from leadsim import __version__
from leadsim.experiments.spec import Experiment

FORMAT = 1
MANIFEST = "manifest.json"
SNAPSHOT = "experiment.toml"
SCENARIO_SNAPSHOT = "scenario.toml"
RUNS = "runs.parquet"
BATCHES = "batches"
SERIES = "series"
LOCK = ".lock"


class SweepError(ValueError):
    """A results folder cannot be used as asked (one line: which folder, why, what to do)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet through a flushed temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class SweepStore:
    """The results folder of one sweep."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = {}

    # --- paths -----------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """``DIR/manifest.json``."""
        return self.root / MANIFEST

    def runs_path(self, batch_id: int) -> Path:
        """The runs file of a batch."""
        return self.root / BATCHES / f"runs-{batch_id:06d}.parquet"

    def series_path(self, batch_id: int) -> Path:
        """The series file of a batch."""
        return self.root / SERIES / f"series-{batch_id:06d}.parquet"

    @property
    def done(self) -> set[int]:
        """The batches recorded as done."""
        return set(self.manifest.get("batches_done", []))

    # --- opening ---------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the folder holds a sweep (a manifest)."""
        return self.manifest_path.is_file()

    def read(self) -> dict[str, Any]:
        """Load the manifest."""
        try:
            self.manifest = json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise SweepError(f"{self.root}: no sweep here (no {MANIFEST})") from None
        except (OSError, json.JSONDecodeError) as err:
            raise SweepError(f"{self.manifest_path}: unreadable ({err})") from None
        if self.manifest.get("format") != FORMAT:
            raise SweepError(
                f"{self.manifest_path}: format {self.manifest.get('format')!r} is not "
                f"{FORMAT}; this leadsim cannot read it"
            )
        return self.manifest

    def snapshot(self) -> bytes:
        """The experiment file's bytes as swept."""
        try:
            return (self.root / SNAPSHOT).read_bytes()
        except OSError:
            raise SweepError(f"{self.root}: {SNAPSHOT} is missing; the folder is damaged") from None

    def scenario_snapshot(self) -> Any:
        """The base scenario as swept (from its copy in the folder), or None if none was kept."""
        path = self.root / SCENARIO_SNAPSHOT
        if not path.is_file():
            return None
        from dataclasses import replace

        from leadsim.config import load_scenario

        recorded = self.manifest.get("scenario", {})
        scenario = load_scenario(path)
        return replace(
            scenario, name=recorded.get("name", scenario.name), source=recorded.get("path")
        )

    def create(self, experiment: Experiment, design: dict[str, Any]) -> None:
        """Start a new sweep in an empty (or new) folder."""
        if self.exists():
            old = json.loads(self.manifest_path.read_text()).get("experiment", {}).get("path")
            raise SweepError(
                f"{self.root}: holds a sweep of {old} already; add --resume to continue it, "
                "or choose another --out"
            )
        if self.root.exists() and (not self.root.is_dir() or any(self.root.iterdir())):
            raise SweepError(f"{self.root}: not an empty folder; choose another --out")
        (self.root / BATCHES).mkdir(parents=True, exist_ok=True)
        if experiment.series_every:
            (self.root / SERIES).mkdir(exist_ok=True)
        atomic_write_bytes(self.root / SNAPSHOT, experiment.path.read_bytes())
        source = experiment.scenario.source if experiment.scenario is not None else None
        if source and Path(source).is_file():
            atomic_write_bytes(self.root / SCENARIO_SNAPSHOT, Path(source).read_bytes())
        self.manifest = {
            "format": FORMAT,
            "leadsim_version": __version__,
            "experiment": {
                "path": str(experiment.path.resolve()),
                "name": experiment.name,
                "sha256": experiment.sha256,
            },
            "scenario": _scenario_record(experiment),
            "design": design,
            "status": "running",
            "created": _now(),
            "batches_done": [],
        }
        self._save()

    def resume(self, experiment: Experiment, design: dict[str, Any]) -> None:
        """Reopen a sweep after checking that nothing it depends on changed."""
        manifest = self.read()
        recorded = manifest["experiment"]["sha256"]
        if experiment.sha256 != recorded:
            raise SweepError(
                f"{experiment.path}: changed since the sweep in {self.root} started "
                f"(hash {recorded[:12]}…, now {experiment.sha256[:12]}…); "
                "start a new --out or restore the file"
            )
        scenario = _scenario_record(experiment)
        if scenario.get("sha256") != manifest["scenario"].get("sha256"):
            raise SweepError(
                f"{scenario.get('path') or scenario.get('name')}: the base scenario changed "
                f"since the sweep in {self.root} started; start a new --out or restore it"
            )
        if manifest["leadsim_version"] != __version__:
            raise SweepError(
                f"{self.root}: swept with leadsim {manifest['leadsim_version']}, this is "
                f"{__version__}; results would not match: start a new --out"
            )
        for key in ("batch_size", "runs", "batches"):
            if manifest["design"][key] != design[key]:
                raise SweepError(
                    f"{self.root}: the design's {key.replace('_', ' ')} was "
                    f"{manifest['design'][key]}, now {design[key]}; resume with the same "
                    "--batch-size, or start a new --out"
                )
        manifest["status"] = "running"
        self._save()

    def clean_partial(self) -> None:
        """Remove temporary files and the files of batches not recorded as done."""
        done = self.done
        for folder, prefix in ((BATCHES, "runs-"), (SERIES, "series-")):
            path = self.root / folder
            if not path.is_dir():
                continue
            for item in path.iterdir():
                stem = item.name.removesuffix(".parquet")
                partial = item.name.endswith(".tmp") or (
                    stem.startswith(prefix) and int(stem.removeprefix(prefix)) not in done
                )
                if partial:
                    item.unlink()
        for item in self.root.glob(".*.tmp"):
            item.unlink()

    # --- writing ---------------------------------------------------------------------

    def write_batch(
        self, batch_id: int, runs: pd.DataFrame, series: pd.DataFrame | None, seconds: float = 0.0
    ) -> None:
        """Record a finished batch: its series, its runs, then the manifest.

        ``seconds`` (the batch's simulation time on its worker) adds up in the manifest's
        ``compute_seconds``: runs per compute-second is the throughput of one busy core.
        """
        if series is not None:
            (self.root / SERIES).mkdir(exist_ok=True)
            atomic_write_parquet(series, self.series_path(batch_id))
        atomic_write_parquet(runs, self.runs_path(batch_id))
        self.manifest["batches_done"] = sorted(self.done | {batch_id})
        total = self.manifest.get("compute_seconds", 0.0) + seconds
        self.manifest["compute_seconds"] = round(total, 3)
        self._save()

    def finish(self, extra: dict[str, Any]) -> pd.DataFrame:
        """Gather every batch's runs into ``runs.parquet`` and mark the sweep complete."""
        runs = self.gather_runs()
        atomic_write_parquet(runs, self.root / RUNS)
        counts = runs.drop_duplicates("run_id")["status"].value_counts()
        self.manifest.update(extra)
        self.manifest["status"] = "complete"
        self.manifest["finished"] = _now()
        self.manifest["status_counts"] = {str(k): int(v) for k, v in sorted(counts.items())}
        self._save()
        return runs

    def gather_runs(self) -> pd.DataFrame:
        """Every done batch's runs, sorted by run and organisation."""
        frames = [pd.read_parquet(self.runs_path(b)) for b in sorted(self.done)]
        if not frames:
            raise SweepError(f"{self.root}: no batch has finished yet")
        runs = pd.concat(frames, ignore_index=True)
        return runs.sort_values(["run_id", "organisation"], ignore_index=True)

    def _save(self) -> None:
        self.manifest["updated"] = _now()
        text = json.dumps(self.manifest, indent=1, sort_keys=False) + "\n"
        atomic_write_bytes(self.manifest_path, text.encode())

    # --- one writer at a time ----------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``DIR/.lock`` while writing; a lock left by a dead process is taken over."""
        path = self.root / LOCK
        me = {"host": socket.gethostname(), "pid": os.getpid()}
        while True:
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                holder = _read_lock(path)
                if holder.get("host") == me["host"] and not _alive(holder.get("pid")):
                    path.unlink(missing_ok=True)
                    continue
                raise SweepError(
                    f"{self.root}: another sweep (pid {holder.get('pid')} on "
                    f"{holder.get('host')}) is writing here; if none is, delete {path}"
                ) from None
            with os.fdopen(fd, "w") as handle:
                json.dump(me, handle)
            break
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _scenario_record(experiment: Experiment) -> dict[str, Any]:
    """The base scenario's name, file and hash (a changed scenario changes the results)."""
    import hashlib

    scenario = experiment.scenario
    if scenario is None:
        return {}
    record: dict[str, Any] = {"name": scenario.name, "path": None}
    if scenario.source and Path(scenario.source).is_file():
        record["path"] = str(Path(scenario.source).resolve())
        record["sha256"] = hashlib.sha256(Path(scenario.source).read_bytes()).hexdigest()
    return record
