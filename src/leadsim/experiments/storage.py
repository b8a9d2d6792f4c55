"""A sweep's results folder: manifest, receipts log, per-batch Parquet parts, verification.

Layout of ``DIR``::

    manifest.json            sweep id, experiment hash, leadsim version, design; at the
                             end: status, status counts, runs.parquet's rows and hash
    experiment.toml          the experiment file's bytes, as swept (for replay and report)
    scenario.toml            the base scenario file's bytes, as swept (if it is a file)
    receipts.jsonl           append-only log: a header line, then one line per finished
                             batch (its runs, rows, sha256 of its parts, seconds, statuses)
    batches/runs-000012.parquet    one row per run and organisation of batch 12
    series/series-000012.parquet   tidy per-step series of batch 12 (if kept)
    runs.parquet             every run, sorted by run and organisation, assembled at the end

Workers write the parts themselves, each through a temporary name of its own and a
rename, so a reader never sees half a file. A batch counts as done only once the log
holds its receipt *and* its parts match the receipt's checksums: a resumed sweep checks
every recorded part and redoes those that fail; parts the log does not list are partial
and are redone. ``runs.parquet`` is assembled by streaming the parts in windows of runs,
never holding every run in memory, and checks that every run appears exactly once.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadsim import __version__
from leadsim.experiments.spec import Experiment
from leadsim.experiments.worker import (
    BATCHES,
    MANIFEST,
    META_BATCH,
    META_ROWS,
    META_SWEEP,
    SERIES,
    Receipt,
    runs_name,
    series_name,
    write_atomic,
)

FORMAT = 2
SNAPSHOT = "experiment.toml"
SCENARIO_SNAPSHOT = "scenario.toml"
RUNS = "runs.parquet"
LOG = "receipts.jsonl"
LOCK = ".lock"
# Runs assembled into runs.parquet at a time (a row group each): bounds the memory used.
WINDOW_RUNS = 100_000
_KEYS = ("run_id", "organisation")

__all__ = [
    "BATCHES",
    "FORMAT",
    "LOG",
    "MANIFEST",
    "RUNS",
    "SERIES",
    "SweepError",
    "SweepStore",
    "atomic_write_bytes",
    "file_error",
]


class SweepError(ValueError):
    """A results folder cannot be used as asked (one line: which folder, why, what to do)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def file_error(path: Path | str, doing: str, err: OSError) -> SweepError:
    """One line for a file-system failure: the path, what failed, why, and what to do."""
    reason = err.strerror or type(err).__name__
    code = err.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "free some space, then rerun with --resume (finished batches are kept)"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a folder you can write to as --out"
    elif code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        hint = "--out must be a folder (new or empty), not a file"
    else:
        hint = "fix it, then rerun with --resume (finished batches are kept)"
    return SweepError(f"{path}: cannot {doing} ({reason}); {hint}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class SweepStore:
    """The results folder of one sweep."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self._log: Any = None

    # --- paths -----------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """``DIR/manifest.json``."""
        return self.root / MANIFEST

    @property
    def log_path(self) -> Path:
        """``DIR/receipts.jsonl``."""
        return self.root / LOG

    def runs_path(self, batch_id: int) -> Path:
        """The runs part of a batch."""
        return self.root / runs_name(batch_id)

    def series_path(self, batch_id: int) -> Path:
        """The series part of a batch."""
        return self.root / series_name(batch_id)

    @property
    def done(self) -> set[int]:
        """The batches the log records as done (read with :meth:`read_log`)."""
        return set(self.records)

    # --- opening ---------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the folder holds a sweep (a manifest)."""
        return self.manifest_path.is_file()

    def holds_results(self) -> bool:
        """Whether the folder holds a sweep's files (a log, a snapshot or parts)."""
        return any((self.root / name).exists() for name in (LOG, SNAPSHOT, BATCHES))

    def read(self) -> dict[str, Any]:
        """Load the manifest and the receipts log."""
        try:
            self.manifest = json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            hint = " but its results are: rerun the sweep with --resume" * self.holds_results()
            raise SweepError(f"{self.root}: no sweep here (no {MANIFEST}){hint}") from None
        except (OSError, ValueError) as err:
            raise SweepError(f"{self.manifest_path}: unreadable ({err})") from None
        if not isinstance(self.manifest, dict) or self.manifest.get("format") != FORMAT:
            found = self.manifest.get("format") if isinstance(self.manifest, dict) else None
            raise SweepError(
                f"{self.manifest_path}: format {found!r} is not {FORMAT}; "
                "this leadsim cannot read it"
            )
        self.read_log()
        return self.manifest

    def read_log(self) -> dict[str, Any]:
        """The log's header; its receipts, by batch (the last line of a batch counts).

        A line cut short by a crash, or not a receipt, is skipped: its batch is not done.
        """
        self.records = {}
        try:
            lines = self.log_path.read_bytes().splitlines()
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise file_error(self.log_path, "read the receipts log", err) from None
        header: dict[str, Any] = {}
        for k, line in enumerate(lines):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            if k == 0 and "sweep_id" in record:
                header = record
            elif isinstance(record.get("batch"), int) and isinstance(record.get("sha256"), str):
                self.records[record["batch"]] = record
        return header

    def check_snapshots(self) -> None:
        """Refuse a folder whose experiment (or scenario) copy is not what was swept."""
        recorded = self.manifest.get("experiment", {}).get("sha256")
        found = self._snapshot_hash(SNAPSHOT)
        if found != recorded:
            raise SweepError(
                f"{self.root / SNAPSHOT}: does not match the sha256 the sweep recorded "
                f"(recorded {recorded}, found {found}); the folder was changed after the "
                "sweep: refusing to use it"
            )
        recorded = self.manifest.get("scenario", {}).get("sha256")
        if recorded is not None and (self.root / SCENARIO_SNAPSHOT).exists():
            found = self._snapshot_hash(SCENARIO_SNAPSHOT)
            if found != recorded:
                raise SweepError(
                    f"{self.root / SCENARIO_SNAPSHOT}: does not match the sha256 the sweep "
                    f"recorded (recorded {recorded}, found {found}); the folder was changed "
                    "after the sweep: refusing to use it"
                )

    def _snapshot_hash(self, name: str) -> str:
        try:
            return sha256_file(self.root / name)
        except OSError:
            raise SweepError(f"{self.root}: {name} is missing; the folder is damaged") from None

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

    # --- starting and resuming -------------------------------------------------------

    def prepare(self) -> None:
        """Make sure ``DIR`` is a folder (creating it), or say in one line why it cannot be."""
        if self.root.exists() and not self.root.is_dir():
            raise SweepError(f"{self.root}: is a file; --out must be a folder (new or empty)")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise file_error(self.root, "create the results folder", err) from None

    def is_empty(self) -> bool:
        """Whether the folder holds nothing but a lock."""
        return all(item.name == LOCK for item in self.root.iterdir())

    def create(self, experiment: Experiment, design: dict[str, Any], sweep_id: str) -> None:
        """Start a new sweep in the (empty) folder: snapshots, manifest, log header."""
        self.records = {}
        try:
            (self.root / BATCHES).mkdir(exist_ok=True)
            if experiment.series_every:
                (self.root / SERIES).mkdir(exist_ok=True)
            atomic_write_bytes(self.root / SNAPSHOT, experiment.path.read_bytes())
            source = experiment.scenario.source if experiment.scenario is not None else None
            if source and Path(source).is_file():
                atomic_write_bytes(self.root / SCENARIO_SNAPSHOT, Path(source).read_bytes())
            self.manifest = _manifest(experiment, design, sweep_id)
            self._rewrite_log()  # the header alone
            self.save()
        except OSError as err:
            raise file_error(err.filename or self.root, "start the sweep", err) from None

    def recover(self, experiment: Experiment, design: dict[str, Any]) -> int:
        """Write a new manifest for a folder whose manifest was lost; the batches it keeps.

        The log's header names the experiment's hash: the log's receipts are kept (and
        checked like any others) only if it is the experiment given.
        """
        header = self.read_log()
        if header and header.get("experiment_sha256") != experiment.sha256:
            raise SweepError(
                f"{self.root}: its {LOG} is of another experiment (sha256 "
                f"{header.get('experiment_sha256')}, given {experiment.sha256}); "
                "choose another --out"
            )
        sweep_id = header.get("sweep_id") if header else None
        if not sweep_id or header.get("design", {}).get("batch_size") != design["batch_size"]:
            self.records = {}  # receipts that cannot be matched are not trusted
        try:
            self.manifest = _manifest(experiment, design, sweep_id or _new_id())
            if not (self.root / SNAPSHOT).is_file():
                atomic_write_bytes(self.root / SNAPSHOT, experiment.path.read_bytes())
            (self.root / BATCHES).mkdir(exist_ok=True)
            if experiment.series_every:
                (self.root / SERIES).mkdir(exist_ok=True)
            self.save()
        except OSError as err:
            raise file_error(self.root, "recover the sweep", err) from None
        return len(self.records)

    def check_resumable(self, experiment: Experiment, design: dict[str, Any]) -> None:
        """Refuse to resume if the experiment, scenario, leadsim or design changed."""
        manifest = self.manifest
        recorded = manifest["experiment"]["sha256"]
        if experiment.sha256 != recorded:
            raise SweepError(
                f"{experiment.path}: changed since the sweep in {self.root} started "
                f"(hash {recorded[:12]}…, now {experiment.sha256[:12]}…); "
                "start a new --out or restore the file"
            )
        self.check_snapshots()
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

    def keep_verified(self, batches: Sequence[Any], series: bool) -> list[int]:
        """Check every recorded batch against its receipt; forget those that fail.

        Then rewrite the log with the receipts that hold, and delete every part and
        temporary file the log does not vouch for. Returns the batches forgotten.
        """
        expected = {batch.batch_id: batch.size for batch in batches}
        failed = []
        for batch_id, record in sorted(self.records.items()):
            if self._part_problem(batch_id, record, expected, series):
                failed.append(batch_id)
        for batch_id in failed:
            del self.records[batch_id]
        try:
            self._rewrite_log()
            self._clean_unrecorded()
        except OSError as err:
            raise file_error(self.root, "tidy the results folder", err) from None
        return failed

    def _part_problem(
        self, batch_id: int, record: dict[str, Any], expected: dict[int, int], series: bool
    ) -> str:
        """Why a recorded batch cannot be trusted ('' if it can)."""
        if expected.get(batch_id) != record.get("runs"):
            return f"batch {batch_id}: not a batch of this design"
        checks = [(self.runs_path(batch_id), record["sha256"])]
        if series and record.get("series_sha256"):  # none where every run was invalid
            checks.append((self.series_path(batch_id), record["series_sha256"]))
        for path, sha in checks:
            try:
                found = sha256_file(path)
            except FileNotFoundError:
                return f"{path.relative_to(self.root)}: missing"
            except OSError as err:
                return f"{path.relative_to(self.root)}: unreadable ({err.strerror})"
            if found != sha:
                return (
                    f"{path.relative_to(self.root)}: checksum {found[:12]}… does not match "
                    f"the log's {sha[:12]}…"
                )
        return ""

    def _clean_unrecorded(self) -> None:
        done = set(self.records)
        for folder, prefix in ((BATCHES, "runs-"), (SERIES, "series-")):
            path = self.root / folder
            if not path.is_dir():
                continue
            for item in path.iterdir():
                stem = item.name.removesuffix(".parquet")
                number = stem.removeprefix(prefix)
                recorded = item.name.endswith(".parquet") and number.isdigit()
                if not recorded or int(number) not in done:
                    item.unlink()
        for item in self.root.glob(".*.tmp"):
            item.unlink()

    # --- writing ---------------------------------------------------------------------

    @contextlib.contextmanager
    def appending(self) -> Iterator[None]:
        """Keep the log open for appending receipts."""
        try:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed below
        except OSError as err:
            raise file_error(self.log_path, "open the receipts log", err) from None
        try:
            yield
        finally:
            log, self._log = self._log, None
            with contextlib.suppress(OSError):
                log.close()

    def record(self, receipts: Sequence[Receipt]) -> None:
        """Record finished batches: write parts the workers could not, then append receipts."""
        lines = []
        for receipt in receipts:
            try:
                if receipt.series_data is not None:
                    write_atomic(self.series_path(receipt.batch_id), receipt.series_data)
                if receipt.data is not None:
                    write_atomic(self.runs_path(receipt.batch_id), receipt.data)
            except OSError as err:
                raise file_error(
                    self.runs_path(receipt.batch_id), "write a batch's results", err
                ) from None
            record = receipt.record()
            lines.append(json.dumps(record, separators=(",", ":")).encode() + b"\n")
            self.records[receipt.batch_id] = record
        try:
            self._log.write(b"".join(lines))
            self._log.flush()
        except OSError as err:
            raise file_error(self.log_path, "append to the receipts log", err) from None

    def save(self) -> None:
        """Write the manifest (atomically, flushed to disk)."""
        self.manifest["updated"] = _now()
        text = json.dumps(self.manifest, indent=1) + "\n"
        atomic_write_bytes(self.manifest_path, text.encode())

    def _rewrite_log(self) -> None:
        """Write the log anew: its header, then the receipts held (atomically)."""
        header = {
            "log": "leadsim sweep receipts, one line per finished batch",
            "format": FORMAT,
            "sweep_id": self.manifest["sweep_id"],
            "experiment_sha256": self.manifest["experiment"]["sha256"],
            "design": self.manifest["design"],
        }
        lines = [json.dumps(header)] + [
            json.dumps(self.records[b], separators=(",", ":")) for b in sorted(self.records)
        ]
        atomic_write_bytes(self.log_path, ("\n".join(lines) + "\n").encode())

    # --- the end ---------------------------------------------------------------------

    def runs_complete(self) -> bool:
        """Whether ``runs.parquet`` is there and matches the hash the manifest recorded."""
        path = self.root / RUNS
        recorded = self.manifest.get("runs_sha256")
        if self.manifest.get("status") != "complete" or not recorded or not path.is_file():
            return False
        try:
            return sha256_file(path) == recorded
        except OSError:
            return False

    def finish(
        self,
        batches: Sequence[Any],
        runs: int,
        extra: dict[str, Any],
        assembled: tuple[int, str] | None = None,
    ) -> None:
        """Assemble ``runs.parquet`` (unless it is whole already) and mark the sweep complete.

        ``assembled``: the (rows, sha256) of a ``runs.parquet`` a worker has just assembled.
        """
        missing = sorted({b.batch_id for b in batches} - set(self.records))
        if missing:
            raise SweepError(
                f"{self.root}: batches {_ids(missing)} have no receipt; the sweep is not "
                "complete: rerun with --resume"
            )
        if assembled is not None:
            self.manifest["runs_rows"], self.manifest["runs_sha256"] = assembled
        elif not self.runs_complete():
            rows, sha = self.assemble(batches, runs)
            self.manifest["runs_rows"] = rows
            self.manifest["runs_sha256"] = sha
        counts: dict[str, int] = {}
        for record in self.records.values():
            for status, n in record.get("statuses", {}).items():
                counts[status] = counts.get(status, 0) + n
        seconds = sum(record.get("seconds", 0.0) for record in self.records.values())
        self.manifest.update(extra)
        self.manifest["status"] = "complete"
        self.manifest["finished"] = _now()
        self.manifest["status_counts"] = dict(sorted(counts.items()))
        self.manifest["compute_seconds"] = round(seconds, 3)
        try:
            self.save()
        except OSError as err:
            raise file_error(self.manifest_path, "write the manifest", err) from None

    def assemble(self, batches: Sequence[Any], runs: int) -> tuple[int, str]:
        """Stream every batch's runs into ``runs.parquet``; (rows, sha256) of the file."""
        import pyarrow.parquet as pq

        path = self.root / RUNS
        tmp = path.with_name(f".{RUNS}.{os.getpid()}.tmp")
        writer = None
        rows = 0
        try:
            for table in self.run_windows(batches, runs):
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                rows += table.num_rows
            if writer is None:
                raise SweepError(f"{self.root}: no batch has finished yet")
            writer.close()
            writer = None
            sha = sha256_file(tmp)
            os.replace(tmp, path)
        except OSError as err:
            raise file_error(path, "write runs.parquet", err) from None
        finally:
            if writer is not None:
                writer.close()
            tmp.unlink(missing_ok=True)
        return rows, sha

    def run_windows(self, batches: Sequence[Any], runs: int, check: bool = True) -> Iterator[Any]:
        """The recorded batches' runs as Arrow tables, sorted, a window of runs at a time.

        Each part is read once and kept only while its runs reach into the window: the
        memory used is about a window's runs, whatever the sweep's size. With ``check``,
        a window that misses a run, or holds a run twice, is an error.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        order = sorted((b for b in batches if b.batch_id in self.records), key=lambda b: b.start)
        schema = self._schema(order)
        active: dict[int, tuple[Any, Any]] = {}
        i, start = 0, 0
        while i < len(order) or active:
            stop = start + WINDOW_RUNS
            while i < len(order) and order[i].start < stop:
                active[order[i].batch_id] = (order[i], self._read_part(order[i], schema))
                i += 1
            pieces = []
            for batch_id, (batch, table) in list(active.items()):
                if batch.start >= start and batch.stop <= stop:
                    pieces.append(table)
                else:
                    ids = table.column("run_id")
                    inside = pc.and_(pc.greater_equal(ids, start), pc.less(ids, stop))
                    pieces.append(table.filter(inside))
                if batch.stop <= stop:
                    del active[batch_id]
            if pieces:
                table = pa.concat_tables(pieces).sort_by([(k, "ascending") for k in _KEYS])
                if check:
                    self._check_window(table, start, min(stop, runs), np)
                if table.num_rows:
                    yield table
            start = stop

    def _check_window(self, table: Any, start: int, stop: int, np: Any) -> None:
        run_id = table.column("run_id").to_numpy()
        organisation = table.column("organisation").to_numpy()
        twice = (run_id[1:] == run_id[:-1]) & (organisation[1:] == organisation[:-1])
        if twice.any():
            k = int(np.flatnonzero(twice)[0])
            raise SweepError(
                f"{self.root}: run {run_id[k]} (organisation {organisation[k]}) appears twice "
                "in the batches; verify the folder with `leadsim sweep --verify`"
            )
        present = np.unique(run_id)
        if present.size != stop - start or (present.size and present[0] != start):
            missing = sorted(set(range(start, stop)) - set(present.tolist()))[:1]
            raise SweepError(
                f"{self.root}: run {missing[0] if missing else '?'} is missing from the "
                "batches; verify the folder with `leadsim sweep --verify`"
            )

    def _schema(self, batches: Sequence[Any]) -> Any:
        """The runs table's schema: the parts', or their union where they differ.

        The leadsim model's parts all have one schema; an external model's may lack an
        output where every run of a batch failed.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not batches:
            return None
        schemas = []
        seen: set[bytes] = set()
        for batch in batches:
            try:
                schema = pq.read_schema(self.runs_path(batch.batch_id))
            except (OSError, pa.ArrowInvalid) as err:
                raise SweepError(
                    f"{self.runs_path(batch.batch_id)}: unreadable ({err}); "
                    "rerun with --resume to redo it"
                ) from None
            key = schema.remove_metadata().to_string().encode()
            if key not in seen:
                seen.add(key)
                schemas.append(schema)
            if self.manifest.get("design", {}).get("model", "leadsim") == "leadsim":
                break  # one schema for every part
        merged = pa.unify_schemas([s.remove_metadata() for s in schemas])
        full = next((s for s in schemas if set(s.names) == set(merged.names)), None)
        pandas = (full.metadata or {}).get(b"pandas") if full is not None else None
        return merged.with_metadata({b"pandas": pandas} if pandas else {})

    def _read_part(self, batch: Any, schema: Any) -> Any:
        """A batch's runs, checked against its receipt and conformed to ``schema``."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.runs_path(batch.batch_id)
        try:  # a ParquetFile over the bytes: a tenth of read_table's overhead per small file
            table = pq.ParquetFile(pa.BufferReader(path.read_bytes())).read(use_threads=False)
        except (OSError, pa.ArrowInvalid) as err:
            raise SweepError(
                f"{path}: unreadable ({err}); rerun with --resume to redo it"
            ) from None
        meta = table.schema.metadata or {}
        record = self.records[batch.batch_id]
        if meta.get(META_BATCH) != str(batch.batch_id).encode() or table.num_rows != record["rows"]:
            raise SweepError(
                f"{path}: holds batch {meta.get(META_BATCH, b'?').decode()} with "
                f"{table.num_rows} rows, not batch {batch.batch_id} with {record['rows']}; "
                "rerun with --resume to redo it"
            )
        if table.schema.remove_metadata().equals(schema.remove_metadata()):
            return table.replace_schema_metadata(schema.metadata)
        columns = []
        for field in schema:
            if field.name in table.column_names:
                columns.append(table.column(field.name).cast(field.type))
            else:
                columns.append(pa.nulls(table.num_rows, field.type))
        return pa.Table.from_arrays(columns, schema=schema)

    def gather_runs(self, batches: Sequence[Any], runs: int) -> Any:
        """Every recorded batch's runs as one DataFrame, sorted by run and organisation."""
        import pyarrow as pa

        tables = list(self.run_windows(batches, runs, check=False))
        if not tables:
            raise SweepError(f"{self.root}: no batch has finished yet")
        return pa.concat_tables(tables).to_pandas()

    # --- verification ----------------------------------------------------------------

    def verify(self, batches: Sequence[Any], runs: int, series: bool) -> str:
        """Check a sweep's folder through; one line on what is wrong (raised) or right."""
        self.check_snapshots()
        header = self.read_log()
        if header.get("sweep_id") != self.manifest.get("sweep_id"):
            raise SweepError(f"{self.log_path}: its header does not name this sweep")
        expected = {batch.batch_id: batch.size for batch in batches}
        for batch_id, record in sorted(self.records.items()):
            problem = self._part_problem(batch_id, record, expected, series)
            if problem:
                raise SweepError(f"{self.root}: {problem}; rerun the sweep with --resume")
            self._check_part_metadata(batch_id, record, series)
        missing = sorted(set(expected) - set(self.records))
        if missing:
            raise SweepError(
                f"{self.root}: unfinished: {len(self.records)} of {len(expected)} batches "
                f"done (missing {_ids(missing)}); rerun the sweep with --resume"
            )
        rows = 0  # every window is checked: each run exactly once
        for table in self.run_windows(batches, runs):
            rows += table.num_rows
        if self.manifest.get("status") != "complete":
            raise SweepError(
                f"{self.root}: every batch is done but runs.parquet was not assembled; "
                "rerun the sweep with --resume"
            )
        if not self.runs_complete():
            raise SweepError(
                f"{self.root / RUNS}: missing or does not match the sha256 in the manifest "
                f"({self.manifest.get('runs_sha256')}); rerun the sweep with --resume"
            )
        if self.manifest.get("runs_rows") != rows:
            raise SweepError(
                f"{self.root / RUNS}: the manifest records {self.manifest.get('runs_rows')} "
                f"rows, the batches hold {rows}"
            )
        return (
            f"{self.root}: verified: {runs} runs in {len(expected)} batches, every run "
            f"exactly once ({rows} rows); every part and runs.parquet match their sha256"
        )

    def _check_part_metadata(self, batch_id: int, record: dict[str, Any], series: bool) -> None:
        import pyarrow.parquet as pq

        has_series = series and record.get("series_sha256")
        paths = [self.runs_path(batch_id)] + ([self.series_path(batch_id)] if has_series else [])
        for path, rows in zip(paths, (record["rows"], record.get("series_rows")), strict=False):
            meta = pq.read_schema(path).metadata or {}
            if (
                meta.get(META_BATCH) != str(batch_id).encode()
                or meta.get(META_ROWS) != str(rows).encode()
                or meta.get(META_SWEEP) != str(self.manifest.get("sweep_id")).encode()
            ):
                raise SweepError(
                    f"{path}: its metadata says batch {meta.get(META_BATCH, b'?').decode()} "
                    f"of {meta.get(META_ROWS, b'?').decode()} rows, the log batch {batch_id} "
                    f"of {rows}; rerun the sweep with --resume"
                )

    # --- one writer at a time ----------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``DIR/.lock`` while writing; the lock goes with its holder, however it ends.

        The operating system's advisory lock (``flock``) marks the holder, so a lock
        file left by a killed process, empty or garbled, never blocks a later sweep.
        Where ``flock`` is missing (Windows), the file is created exclusively and one
        left by a dead process on this host, or unreadable and a minute old, is taken over.
        """
        path = self.root / LOCK
        me = json.dumps({"host": socket.gethostname(), "pid": os.getpid()}).encode()
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            with _exclusive_lock(path, me, self.root):
                yield
            return
        while True:
            try:
                fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
            except OSError as err:
                raise file_error(path, "create the lock", err) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                holder = _read_lock(path)
                raise SweepError(
                    f"{self.root}: another sweep ({_holder(holder)}) is writing here; "
                    "wait for it to finish, or stop it"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the file was replaced while we waited: lock the new one
        try:
            os.ftruncate(fd, 0)
            os.write(fd, me)
            yield
        finally:
            path.unlink(missing_ok=True)
            os.close(fd)


def assemble_task(
    out: str, sweep_id: str, batches: Sequence[Any], runs: int
) -> tuple[int, str] | None:
    """Assemble a sweep's ``runs.parquet`` in a worker: (rows, sha256), or None if unseen.

    The coordinator hands this to a worker, so that it never reads a run itself; a
    worker that does not see the folder (or sees another sweep there) returns None and
    the coordinator assembles.
    """
    store = SweepStore(out)
    try:
        store.read()
    except SweepError:
        return None
    if store.manifest.get("sweep_id") != sweep_id:
        return None
    return store.assemble(batches, runs)


@contextlib.contextmanager
def _exclusive_lock(path: Path, me: bytes, root: Path) -> Iterator[None]:  # pragma: no cover
    import time

    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _read_lock(path)
            here = holder.get("host") == socket.gethostname()
            stale = (here and not _alive(holder.get("pid"))) or (
                not holder and time.time() - path.stat().st_mtime > 60
            )
            if stale:
                path.unlink(missing_ok=True)
                continue
            raise SweepError(
                f"{root}: another sweep ({_holder(holder)}) is writing here; "
                f"if none is, delete {path}"
            ) from None
        os.write(fd, me)
        os.close(fd)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _holder(holder: dict[str, Any]) -> str:
    if holder.get("pid") is None:
        return "a process that left no name"
    return f"pid {holder.get('pid')} on {holder.get('host')}"


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _alive(pid: Any) -> bool:  # pragma: no cover - Windows
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _new_id() -> str:
    import uuid

    return uuid.uuid4().hex


def _manifest(experiment: Experiment, design: dict[str, Any], sweep_id: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "leadsim_version": __version__,
        "sweep_id": sweep_id,
        "experiment": {
            "path": str(experiment.path.resolve()),
            "name": experiment.name,
            "sha256": experiment.sha256,
        },
        "scenario": _scenario_record(experiment),
        "design": design,
        "status": "running",
        "created": _now(),
        "log": LOG,
    }


def _scenario_record(experiment: Experiment) -> dict[str, Any]:
    """The base scenario's name, file and hash (a changed scenario changes the results)."""
    scenario = experiment.scenario
    if scenario is None:
        return {}
    record: dict[str, Any] = {"name": scenario.name, "path": None}
    if scenario.source and Path(scenario.source).is_file():
        record["path"] = str(Path(scenario.source).resolve())
        record["sha256"] = hashlib.sha256(Path(scenario.source).read_bytes()).hexdigest()
    return record
