"""Experiment files: TOML in ``experiments/``, validated into an :class:`Experiment`.

An experiment names a base scenario, fixed changes to it, the factors to vary (a grid
of values, or ranges sampled by Latin hypercube, Sobol or Morris), replicates, the
horizon, what to keep of each run and a master seed. Every error is one line naming
the file, the field and what is allowed, as for scenarios. See ``docs/experiments.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadsim.config import (
    EXPERIMENT_DIR,
    MAX_HORIZON,
    MAX_NAME_CHARS,
    MAX_ORGANISATIONS,
    MAX_TITLE_CHARS,
    NAME_PATTERN,
    ScenarioError,
    TomlError,
    decode_text,
    default_name,
    find_scenario,
    read_file_bytes,
    toml_loads,
)
from leadsim.engine.extensions import REFERENCE
from leadsim.engine.metrics import METRICS, SUMMARIES
from leadsim.events import Event, EventError, make_event
from leadsim.params import (
    APPROACHES,
    FIELDS,
    NETWORK_MODELS,
    POLICIES,
    POLICY_SETTINGS,
    STRUCTURAL,
    show,
)

METHODS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
LEADSIM_MODEL = "leadsim"
# Settings that are not Parameters fields: the system's size and one accountability shock.
EXTRA_SETTINGS: dict[str, tuple[type, float, float]] = {
    "organisations": (int, 1, MAX_ORGANISATIONS),
    "shock_size": (float, 0.0, 10.0),
    "shock_step": (int, 0, MAX_HORIZON - 1),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "policy": tuple(POLICIES),
    "approach": APPROACHES,
    "network_model": NETWORK_MODELS,
}
DEFAULT_BATCH_SIZE = 100
# Given for a policy setting (containment, final_target …): use the policy's own value.
POLICY_VALUE = "policy"
# Ordered pairs a design is checked against before any run (low, high, strictly below):
# a design that could break one is refused in one line. Other joint rules of Parameters
# (tolerance_low <= tolerance_high, …) are checked per run, the failures recorded as
# invalid runs while the rest go on.
ORDERED_PAIRS: tuple[tuple[str, str, bool], ...] = (("reversion_low", "reversion_high", True),)
_TOP_LEVEL = (
    "name",
    "title",
    "description",
    "scenario",
    "model",
    "replicates",
    "horizon",
    "seed",
    "batch_size",
    "design",
    "parameters",
    "factors",
    "output",
    "report",
    "events",
    "ramps",
    "extensions",
)
_DESIGN_KEYS = ("method", "samples", "second_order", "levels", "common_random_numbers")
_OUTPUT_KEYS = ("series", "every")
_REPORT_KEYS = ("group_by", "heatmap", "outcomes")
_RAMP_KEYS = ("parameter", "start", "stop", "from", "to", "every")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ExperimentError(ValueError):
    """An experiment file is malformed (one line: file, field, what is allowed)."""


@dataclass(frozen=True)
class Factor:
    """One factor: the values of a grid, or the range ``[low, high]`` a sampler draws from."""

    name: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False

    @property
    def sampled(self) -> bool:
        """Whether the factor is a range for a sampler (else a list of grid values)."""
        return self.low is not None


@dataclass(frozen=True)
class Ramp:
    """A parameter moved linearly from ``start_value`` to ``stop_value`` between two steps."""

    parameter: str
    start: int
    stop: int
    start_value: float
    stop_value: float
    every: int

    def steps(self) -> list[int]:
        """The steps at which the ramp sets its parameter (``stop`` included)."""
        return [*range(self.start, self.stop, self.every), self.stop]

    def value_at(self, step: int) -> float:
        """The value the ramp has set by ``step`` (its start value before it starts)."""
        if step <= self.start:
            return self.start_value
        if step >= self.stop:
            return self.stop_value
        last = self.start + (step - self.start) // self.every * self.every
        share = (last - self.start) / (self.stop - self.start)
        return self.start_value + share * (self.stop_value - self.start_value)

    def events(self) -> list[Event]:
        """The ``set`` events that carry the ramp out."""
        return [
            make_event(step, "set", **{self.parameter: self.value_at(step)})
            for step in self.steps()
        ]


@dataclass(frozen=True)
class ReportSpec:
    """What ``leadsim report`` groups by and plots (empty: chosen from the design)."""

    group_by: tuple[str, ...] = ()
    heatmap: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file."""

    path: Path
    name: str
    title: str
    description: str
    sha256: str
    model: str
    scenario: Any  # leadsim.config.Scenario, or None for an external model
    scenario_ref: str
    method: str
    samples: int
    second_order: bool
    levels: int
    common_random_numbers: bool
    factors: tuple[Factor, ...]
    settings: Mapping[str, Any]
    events: tuple[Event, ...]
    ramps: tuple[Ramp, ...]
    replicates: int
    horizon: int
    seed: int
    batch_size: int
    series_metrics: tuple[str, ...]
    series_every: int
    report: ReportSpec = field(default_factory=ReportSpec)
    extensions: tuple[str, ...] = ()  # "module:Class" references (leadsim.engine.extensions)

    @property
    def factor_names(self) -> tuple[str, ...]:
        """The factors' names, in the file's order."""
        return tuple(f.name for f in self.factors)

    @property
    def uses_engine(self) -> bool:
        """Whether runs are simulated by the leadsim engine (else by an external model)."""
        return self.model == LEADSIM_MODEL


def load_experiment(
    path: str | Path, *, text: bytes | None = None, scenario: Any = None
) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: the file. Relative paths inside it (a scenario file) resolve from its folder.
        text: the file's bytes, if already read (a sweep's snapshot); else read from ``path``.
        scenario: the base scenario, if already loaded (a sweep's snapshot of it); else
            the file's ``scenario`` is looked up.

    Raises:
        ExperimentError: one line naming the file, the field and what is allowed.
    """
    path = Path(path)
    try:
        if text is None:
            path = _shipped_experiment(path)
            shipped = ", ".join(sorted(p.stem for p in EXPERIMENT_DIR.glob("*.toml")))
            try:
                text = read_file_bytes(
                    path,
                    "an experiment file, or a shipped experiment's name "
                    f"({shipped or 'none installed'})",
                )
            except TomlError as err:
                if not err.problem.startswith("file too large"):
                    err.problem = f"cannot read the file ({err.problem})"
                raise
        data = toml_loads(decode_text(text))  # the one encoding rule (leadsim.config)
    except TomlError as err:
        where = f"{err.where}: " if err.where else ""
        raise ExperimentError(f"{path}: {where}{err.problem}; allowed: {err.allowed}") from None
    return _Reader(path, data, hashlib.sha256(text).hexdigest(), scenario).experiment()


def _shipped_experiment(path: Path) -> Path:
    """``path``, or the shipped experiment it names when there is no such file here.

    ``policy_comparison`` and ``experiments/policy_comparison.toml`` both name it.
    """
    try:
        if path.exists():
            return path
    except (OSError, ValueError):  # a name too long to look up: read_file_bytes says so
        return path
    if path.parent not in (Path(), Path("experiments")):  # another folder: that file only
        return path
    shipped = EXPERIMENT_DIR / (path.name if path.suffix == ".toml" else f"{path.name}.toml")
    return shipped if shipped.is_file() else path


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes (how a sweep recognises its experiment file)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class _Reader:
    """Validation of one parsed file; ``fail`` raises the one-line error."""

    def __init__(self, path: Path, data: dict[str, Any], sha256: str, scenario: Any) -> None:
        self.path, self.data, self.sha256 = path, data, sha256
        self.given_scenario = scenario

    def fail(self, where: str, what: str) -> ExperimentError:
        return ExperimentError(f"{self.path}: {where}: {what}")

    def extensions(self, engine: bool) -> tuple[str, ...]:
        """Extension classes to add to the engine: their form only (resolved when runs start)."""
        refs = self.data.get("extensions", [])
        if not refs:
            return ()
        if not engine:
            raise self.fail("extensions", "only the leadsim model takes extensions")
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise self.fail("extensions", "expected a list of 'package.module:ClassName' texts")
        for k, ref in enumerate(refs):
            if not REFERENCE.fullmatch(ref):
                raise self.fail(
                    f"extensions[{k}]",
                    f"{show(ref)} is not 'package.module:ClassName'; allowed: a dotted module "
                    "path, a colon and a class name",
                )
        return tuple(refs)

    def experiment(self) -> Experiment:
        data = self.data
        self.known(data, _TOP_LEVEL, "")
        model = self.text(data, "model", LEADSIM_MODEL)
        if model != LEADSIM_MODEL and not REFERENCE.fullmatch(model):
            raise self.fail("model", f"{show(model)} is not 'leadsim' or 'module:function'")
        engine = model == LEADSIM_MODEL
        scenario, scenario_ref = self.scenario(engine)
        design = self.table(data, "design")
        self.known(design, _DESIGN_KEYS, "design.")
        method = self.text(design, "method", "grid", where="design.method")
        if method not in METHODS:
            raise self.fail(
                "design.method", f"unknown {show(method)}; allowed: {', '.join(METHODS)}"
            )
        if method == "grid":
            if "samples" in design:
                raise self.fail(
                    "design.samples", "a grid takes no samples; allowed: lhs, sobol, morris"
                )
            samples = 0
        else:
            samples = self.whole(design, "samples", None, 1, 10**7, "design.")
        levels = self.whole(design, "levels", 4, 2, 1_000, "design.")
        if method == "morris" and levels % 2:
            raise self.fail("design.levels", f"{levels} is odd; Morris needs an even number")
        settings = self.settings(self.table(data, "parameters"), "parameters", engine)
        factors = self.factors(method, engine)
        clash = sorted(set(settings) & {f.name for f in factors})
        if clash:
            raise self.fail(f"parameters.{clash[0]}", "is also a factor; give it in one place")
        names = set(settings) | {f.name for f in factors}
        if engine and "shock_size" in names and "shock_step" not in names:
            raise self.fail("shock_size", "needs shock_step (in [parameters] or [factors])")
        if engine and "shock_step" in names and "shock_size" not in names:
            raise self.fail("shock_step", "needs shock_size (in [parameters] or [factors])")
        horizon = self.whole(
            data, "horizon", scenario.horizon if scenario is not None else 1, 1, MAX_HORIZON, ""
        )
        ramps = self.ramps(engine, horizon)
        events = self.events(engine, horizon) + tuple(e for r in ramps for e in r.events())
        if engine:
            self.ordered_pairs(scenario, settings, factors, events)
        output = self.table(data, "output")
        self.known(output, _OUTPUT_KEYS, "output.")
        every = self.whole(output, "every", 1 if engine else 0, 0, 100_000, "output.")
        series = self.series(output, engine, every)
        extensions = self.extensions(engine)
        experiment = Experiment(
            path=self.path,
            name=self.name(data),
            title=self.capped(data, "title", self.path.stem.replace("_", " "), MAX_TITLE_CHARS),
            description=self.text(data, "description", ""),
            sha256=self.sha256,
            model=model,
            scenario=scenario,
            scenario_ref=scenario_ref,
            method=method,
            samples=samples,
            second_order=self.flag(design, "second_order", False, "design."),
            levels=levels,
            common_random_numbers=self.flag(design, "common_random_numbers", False, "design."),
            factors=factors,
            extensions=extensions,
            settings=settings,
            events=events,
            ramps=ramps,
            replicates=self.whole(data, "replicates", 1, 1, 10**7, ""),
            horizon=horizon,
            seed=self.whole(data, "seed", None, 0, 2**63 - 1, ""),
            batch_size=self.whole(data, "batch_size", DEFAULT_BATCH_SIZE, 1, 10**6, ""),
            series_metrics=series if every else (),
            series_every=every if series else 0,
            report=self.report(factors, engine),
        )
        return experiment

    # --- sections ---------------------------------------------------------------------

    def scenario(self, engine: bool) -> tuple[Any, str]:
        ref = self.data.get("scenario")
        if not engine:
            if ref is not None:
                raise self.fail("scenario", "an external model takes no scenario")
            return None, ""
        if not isinstance(ref, str) or not ref:
            raise self.fail("scenario", "missing; give a shipped scenario's name or a file")
        if self.given_scenario is not None:
            return self.given_scenario, ref
        candidate = self.path.parent / ref
        target = str(candidate) if ref.endswith(".toml") and candidate.exists() else ref
        try:
            return find_scenario(target), target
        except (ScenarioError, ValueError, OSError) as err:
            raise self.fail("scenario", str(err).splitlines()[0]) from None

    def settings(self, table: Mapping[str, Any], where: str, engine: bool) -> dict[str, Any]:
        clean = {}
        for name, value in table.items():
            self.check_name(name, f"{where}.{name}", engine)
            clean[name] = self.value(name, value, f"{where}.{name}", engine)
        return clean

    def factors(self, method: str, engine: bool) -> tuple[Factor, ...]:
        table = self.table(self.data, "factors")
        if not table:
            raise self.fail("factors", "missing; an experiment varies at least one factor")
        factors = []
        for name, spec in table.items():
            where = f"factors.{name}"
            self.check_name(name, where, engine)
            if method == "grid":
                if not isinstance(spec, list) or not spec:
                    raise self.fail(where, "a grid needs a non-empty list of values")
                values = tuple(self.value(name, v, where, engine) for v in spec)
                if len(set(values)) != len(values):
                    raise self.fail(where, "a value is repeated; give each value once")
                factors.append(Factor(name, values))
            else:
                factors.append(self.range(name, spec, where, method, engine))
        return tuple(factors)

    def range(self, name: str, spec: Any, where: str, method: str, engine: bool) -> Factor:
        if not isinstance(spec, dict) or set(spec) - {"low", "high"} or len(spec) != 2:
            raise self.fail(
                where, f"a {method} design needs a range {{ low = …, high = … }} of numbers"
            )
        kind = _kind(name) if engine else float
        if kind not in (float, int):
            raise self.fail(where, f"{name} is not a number; vary it in a grid design")
        low = self.value(name, spec["low"], f"{where}.low", engine)
        high = self.value(name, spec["high"], f"{where}.high", engine)
        if not low < high:
            raise self.fail(where, f"low {low!r} is not below high {high!r}")
        return Factor(name, low=float(low), high=float(high), integer=kind is int)

    def ramps(self, engine: bool, horizon: int) -> tuple[Ramp, ...]:
        specs = self.data.get("ramps", [])
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise self.fail("ramps", "expected a list of [[ramps]] tables")
        if specs and not engine:
            raise self.fail("ramps", "only the leadsim model takes ramps")
        ramps = []
        for k, spec in enumerate(specs):
            where = f"ramps[{k}]"
            self.known(spec, _RAMP_KEYS, f"{where}.")
            parameter = self.text(spec, "parameter", None, where=f"{where}.parameter")
            if parameter not in FIELDS or parameter in STRUCTURAL or _kind(parameter) is not float:
                raise self.fail(
                    f"{where}.parameter",
                    f"{show(parameter)} cannot be ramped; allowed: a numeric parameter that `set` may change",
                )
            start = self.whole(spec, "start", None, 0, 10**6, f"{where}.")
            stop = self.whole(spec, "stop", None, start + 1, horizon - 1, f"{where}.")
            values = [
                self.value(parameter, spec.get(key), f"{where}.{key}", True)
                for key in ("from", "to")
            ]
            every = self.whole(spec, "every", 1, 1, 10**6, f"{where}.")
            ramps.append(Ramp(parameter, start, stop, values[0], values[1], every))
        return tuple(ramps)

    def events(self, engine: bool, horizon: int) -> tuple[Event, ...]:
        specs = self.data.get("events", [])
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise self.fail("events", "expected a list of [[events]] tables")
        if specs and not engine:
            raise self.fail("events", "only the leadsim model takes events")
        events = []
        for k, spec in enumerate(specs):
            args = dict(spec)
            step, kind = args.pop("step", None), args.pop("kind", "")
            try:
                event = make_event(step, kind, args.pop("organisation", None), **args)
            except EventError as err:
                raise ExperimentError(f"{self.path}: events[{k}].{err}") from None
            if event.step >= horizon:
                raise self.fail(
                    f"events[{k}].step",
                    f"{step} is beyond the horizon; allowed: 0 to {horizon - 1}",
                )
            events.append(event)
        return tuple(events)

    def ordered_pairs(
        self,
        scenario: Any,
        settings: Mapping[str, Any],
        factors: tuple[Factor, ...],
        events: tuple[Event, ...],
    ) -> None:
        """Refuse, up front, a design that could give ``reversion_low >= reversion_high``.

        Each side's possible values are its factor's (grid values, or the sampled range's
        ends), else its ``[parameters]`` value, else the base scenario's; ``set`` events
        and ramps (the experiment's or the scenario's) add the values they set. If the
        largest possible low is not below the smallest possible high, some run of the
        design would fail, so the whole file is refused before any run starts. The same
        holds for any other pair of :data:`ORDERED_PAIRS`.
        """
        by_name = {f.name: f for f in factors}
        all_events = (*events, *(scenario.events if scenario is not None else ()))

        def possible(name: str) -> tuple[list[float], str]:
            if name in by_name:
                f = by_name[name]
                values = [f.low, f.high] if f.sampled else list(f.values)
                where = f"factors.{name}"
            elif name in settings:
                values, where = [settings[name]], f"parameters.{name}"
            else:
                values = [getattr(scenario.params, name)] if scenario is not None else []
                where = f"{name} (of scenario {self.data.get('scenario')})"
            values += [e.args[name] for e in all_events if e.kind == "set" and name in e.args]
            return [float(v) for v in values if v is not None], where

        touched = {*by_name, *settings, *(n for e in events if e.kind == "set" for n in e.args)}
        for low_name, high_name, strict in ORDERED_PAIRS:
            if low_name not in touched and high_name not in touched:
                continue  # the scenario's own values and events were checked at load
            lows, low_where = possible(low_name)
            highs, high_where = possible(high_name)
            if not lows or not highs:
                continue
            low, high = max(lows), min(highs)
            if low > high or (strict and low == high):
                where = low_where if low_name in by_name or high_name not in by_name else high_where
                relation = "below" if strict else "at most"
                raise self.fail(
                    where.split(" ")[0],
                    f"the design can give {low_name} {low:g} with {high_name} {high:g} "
                    f"({low_where} and {high_where}); allowed: {low_name} {relation} "
                    f"{high_name} at every point of the design",
                )

    def series(self, output: Mapping[str, Any], engine: bool, every: int) -> tuple[str, ...]:
        if not engine:
            if output.get("series") or every:
                raise self.fail("output", "an external model records no per-step series")
            return ()
        chosen = output.get("series", "all")
        if chosen == "all":
            return METRICS
        if chosen == "none" or chosen == []:
            return ()
        if not isinstance(chosen, list) or not all(isinstance(m, str) for m in chosen):
            raise self.fail("output.series", 'expected "all", "none" or a list of metric names')
        for metric in chosen:
            if metric not in METRICS:
                raise self.fail(
                    "output.series", f"unknown metric {show(metric)}; allowed: {', '.join(METRICS)}"
                )
        return tuple(dict.fromkeys(chosen))

    def report(self, factors: tuple[Factor, ...], engine: bool) -> ReportSpec:
        table = self.table(self.data, "report")
        self.known(table, _REPORT_KEYS, "report.")
        names = [f.name for f in factors]
        lists = {}
        for key in _REPORT_KEYS:
            value = table.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(f"report.{key}", "expected a list of names")
            lists[key] = tuple(value)
        for key in ("group_by", "heatmap"):
            for name in lists[key]:
                if name not in names:
                    raise self.fail(
                        f"report.{key}",
                        f"{show(name)} is not a factor; allowed: {', '.join(names)}",
                    )
        if lists["heatmap"] and len(lists["heatmap"]) != 2:
            raise self.fail("report.heatmap", "expected two factors: [x, y]")
        if len(set(lists["heatmap"])) == 1:
            raise self.fail(
                "report.heatmap",
                f"{lists['heatmap'][0]!r} is given twice; allowed: two different factors",
            )
        if engine:
            for name in lists["outcomes"]:
                if name not in SUMMARIES:
                    raise self.fail(
                        "report.outcomes", f"unknown {show(name)}; allowed: {', '.join(SUMMARIES)}"
                    )
        return ReportSpec(lists["group_by"], lists["heatmap"], lists["outcomes"])

    # --- fields -----------------------------------------------------------------------

    def known(self, table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{prefix}{key}",
                    f"unknown field{_suggest(key, allowed)}; allowed: {', '.join(allowed)}",
                )

    def table(self, data: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table [{key}]")
        return value

    def text(self, data: Mapping[str, Any], key: str, default: str | None, where: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(where or key, f"expected text, got {show(value)}")
        return value

    def name(self, data: Mapping[str, Any]) -> str:
        """The experiment's name, as a scenario's: it names every run's scenario.

        From the file's name when not given, made usable (``my exp.toml``: ``my_exp``).
        """
        if "name" not in data:
            return default_name(str(self.path))
        value = self.capped(data, "name", "", MAX_NAME_CHARS)
        if not NAME_PATTERN.fullmatch(value):
            raise self.fail(
                "name",
                f"{show(value)} is not a usable name; allowed: letters, digits, _ and - "
                f"(at most {MAX_NAME_CHARS} characters)",
            )
        return value

    def capped(self, data: Mapping[str, Any], key: str, default: str, limit: int) -> str:
        """A one-line text of at most ``limit`` characters (a name or a title)."""
        if key not in data:
            return default[:limit]  # from the file's name: cut, not refused
        value = " ".join(self.text(data, key, default).split())
        if len(value) > limit:
            raise self.fail(
                key,
                f"{len(value):,} characters is too long; allowed: at most {limit} characters",
            )
        return value

    def flag(self, data: Mapping[str, Any], key: str, default: bool, prefix: str) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{prefix}{key}", f"expected true or false, got {show(value)}")
        return value

    def whole(
        self,
        data: Mapping[str, Any],
        key: str,
        default: int | None,
        low: int,
        high: int,
        prefix: str,
    ) -> int:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{prefix}{key}", f"missing; a whole number from {low} to {high}")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(
                f"{prefix}{key}",
                f"{show(value)} is not allowed; a whole number from {low} to {high}",
            )
        return value

    def check_name(self, name: str, where: str, engine: bool) -> None:
        if not engine:
            if not _NAME.match(name):
                raise self.fail(where, "a factor name must be an identifier")
            return
        if name not in FIELDS and name not in EXTRA_SETTINGS:
            raise self.fail(
                where,
                f"unknown parameter{_suggest(name, [*FIELDS, *EXTRA_SETTINGS])}; allowed: a "
                f"parameter of `leadsim params`, or {', '.join(EXTRA_SETTINGS)}",
            )

    def value(self, name: str, value: Any, where: str, engine: bool) -> Any:
        """One setting's value, checked against its type and range (joint checks come per run)."""
        if not engine:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(where, f"expected a number, got {show(value)}")
            return float(value)
        kind = _kind(name)
        low, high = _bounds(name)
        if name in POLICY_SETTINGS and value == POLICY_VALUE:
            return None  # the policy decides (a base scenario may have fixed it)
        if kind is str:
            if not isinstance(value, str) or value not in CHOICES.get(name, (value,)):
                allowed = ", ".join(CHOICES.get(name, ("text",)))
                raise self.fail(where, f"unknown value {show(value)}; allowed: {allowed}")
            return value
        if kind is bool:
            if not isinstance(value, bool):
                raise self.fail(where, f"expected true or false, got {show(value)}")
            return value
        if kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            if not ok:
                raise self.fail(where, f"expected a whole number, got {show(value)}")
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(where, f"expected a number, got {show(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(where, f"{show(value)} is out of range; allowed: {low:g} to {high:g}")
        return int(value) if kind is int else float(value)


def _suggest(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or nothing."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(name: str) -> type:
    """The Python type of a setting's values (float for an optional policy setting)."""
    if name in EXTRA_SETTINGS:
        return EXTRA_SETTINGS[name][0]
    kind = FIELDS[name].type
    kind = kind if isinstance(kind, str) else kind.__name__
    for candidate in (bool, int, str, float):
        if kind.startswith(candidate.__name__):
            return candidate
    return float


def _bounds(name: str) -> tuple[float | None, float | None]:
    if name in EXTRA_SETTINGS:
        return EXTRA_SETTINGS[name][1:]
    meta = FIELDS[name].metadata
    return meta.get("low"), meta.get("high")


def setting_kind(name: str) -> type:
    """The type of a leadsim setting's values: ``float``, ``int``, ``bool`` or ``str``."""
    return _kind(name)
