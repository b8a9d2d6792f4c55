"""A targets file: what to calibrate, against what, and how hard to try.

A targets file (TOML) names a base scenario, the parameters to infer with their
priors, the observed patterns with their uncertainty, the replicates per draw and the
budget. :func:`load_calibration` validates it into a :class:`Calibration`; every
mistake is one line naming the file, the field and what is allowed, as for scenario
and experiment files (:mod:`leadsim.config`). The format is documented, with an
example, in ``docs/calibration.md``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from leadsim.config import (
    MAX_HORIZON,
    Scenario,
    ScenarioError,
    TomlError,
    decode_text,
    find_scenario,
    read_file_bytes,
    shipped_dir,
    toml_loads,
)
from leadsim.engine.metrics import METRICS, SUMMARIES
from leadsim.experiments.points import SETTING_NAMES
from leadsim.params import FIELDS

CALIBRATION_DIR: Path = shipped_dir("calibration")
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "normal", "beta")
# per-run summaries a target may name; booleans count as 0/1, and a run that did not
# revert counts its time to reversion as the horizon (the reversion is censored there)
TARGET_SUMMARIES: tuple[str, ...] = SUMMARIES
TOP_KEYS = (
    "title",
    "description",
    "scenario",
    "seed",
    "horizon",
    "replicates",
    "parameters",
    "priors",
    "targets",
    "truth",
    "budget",
)
BUDGET_DEFAULTS: dict[str, Any] = {
    "simulations": 20_000,
    "minutes": 10.0,
    "population": 500,
    "keep": 0.5,
    "min_acceptance": 0.02,
    "generations": 30,
    "predictive": 200,
    "batch_size": 1000,
}


class CalibrationError(ValueError):
    """A targets file is malformed (one line: file, field, what is allowed)."""


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter: its distribution, truncated to ``[low, high]``.

    ``uniform`` on ``[low, high]``; ``normal`` (``mean``, ``sd``) truncated to
    ``[low, high]``; ``beta`` (``a``, ``b``) stretched over ``[low, high]``. The bounds
    default to the parameter's range (``leadsim params``).
    """

    name: str
    distribution: str
    low: float
    high: float
    mean: float = math.nan
    sd: float = math.nan
    a: float = math.nan
    b: float = math.nan

    def _frozen(self) -> Any:
        from scipy import stats

        if self.distribution == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        if self.distribution == "normal":
            lo, hi = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            return stats.truncnorm(lo, hi, loc=self.mean, scale=self.sd)
        return stats.beta(self.a, self.b, loc=self.low, scale=self.high - self.low)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws, from ``rng`` only."""
        return np.clip(self._frozen().ppf(rng.random(size)), self.low, self.high)

    def logpdf(self, values: np.ndarray) -> np.ndarray:
        """Log density; ``-inf`` outside ``[low, high]``."""
        values = np.asarray(values, dtype=np.float64)
        inside = (values >= self.low) & (values <= self.high)
        out = np.full(values.shape, -np.inf)
        with np.errstate(divide="ignore"):
            out[inside] = self._frozen().logpdf(values[inside])
        return out

    def describe(self) -> str:
        """The prior in a few words, for reports."""
        if self.distribution == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        bounds = f" on [{self.low:g}, {self.high:g}]"
        if self.distribution == "normal":
            return f"normal({self.mean:g}, {self.sd:g}){bounds}"
        return f"beta({self.a:g}, {self.b:g}){bounds}"

    @property
    def width(self) -> float:
        """The length of the prior's support."""
        return self.high - self.low


@dataclass(frozen=True)
class Target:
    """One observed pattern: a per-run summary, or a weekly metric at a week or over a window.

    ``organisation`` is an organisation's index in the scenario, or ``None``: pooled,
    the mean over the run's organisations. The uncertainty is a ``standard_error``
    (observation error, Gaussian: simulated values get that noise before they are
    compared) or a ``tolerance`` (how close counts as close; no noise); either is the
    scale the distance divides by.
    """

    name: str
    observed: float
    summary: str | None = None
    metric: str | None = None
    weeks: tuple[int, int] | None = None  # first and last week, inclusive
    organisation: int | None = None
    standard_error: float | None = None
    tolerance: float | None = None

    @property
    def scale(self) -> float:
        """What one unit of distance is for this target."""
        return float(self.standard_error if self.standard_error is not None else self.tolerance)

    def describe(self) -> str:
        """What the target measures, in a few words."""
        what = self.summary or self.metric or ""
        if self.weeks is not None:
            first, last = self.weeks
            what += f" at week {first}" if first == last else f" over weeks {first}-{last}"
        where = "pooled" if self.organisation is None else f"organisation {self.organisation}"
        return f"{what} ({where})"


@dataclass(frozen=True)
class Calibration:
    """A validated targets file."""

    path: Path
    name: str
    title: str
    description: str
    sha256: str
    scenario: Scenario
    scenario_ref: str
    seed: int
    horizon: int
    replicates: int
    settings: dict[str, Any]
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    truth: dict[str, float] = field(default_factory=dict)
    simulations: int = BUDGET_DEFAULTS["simulations"]
    minutes: float = BUDGET_DEFAULTS["minutes"]
    population: int = BUDGET_DEFAULTS["population"]
    keep: float = BUDGET_DEFAULTS["keep"]
    min_acceptance: float = BUDGET_DEFAULTS["min_acceptance"]
    generations: int = BUDGET_DEFAULTS["generations"]
    predictive: int = BUDGET_DEFAULTS["predictive"]
    batch_size: int = BUDGET_DEFAULTS["batch_size"]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The inferred parameters, in file order."""
        return tuple(prior.name for prior in self.priors)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The weekly metrics the targets need recorded."""
        return tuple(dict.fromkeys(t.metric for t in self.targets if t.metric))


# --- reading --------------------------------------------------------------------------------


def find_calibration(name_or_path: str | Path) -> Path:
    """A targets file's path: the file itself, or a shipped example by its bare name."""
    path = Path(name_or_path)
    if path.is_file() or path.suffix == ".toml" or "/" in str(name_or_path):
        return path
    shipped = CALIBRATION_DIR / f"{name_or_path}.toml"
    return shipped if shipped.is_file() else path


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a targets file (or a shipped example's name).

    Raises:
        CalibrationError: one line naming the file, the field and what is allowed.
    """
    path = find_calibration(path)
    shipped = ", ".join(sorted(p.stem for p in CALIBRATION_DIR.glob("*.toml")))
    try:
        raw = read_file_bytes(
            path, f"a targets file (.toml), or a shipped example ({shipped or 'none installed'})"
        )
        data = toml_loads(decode_text(raw))
    except TomlError as err:
        where = f"{err.where}: " if err.where else ""
        raise CalibrationError(f"{path}: {where}{err.problem}; allowed: {err.allowed}") from None
    return _Reader(path, data, hashlib.sha256(raw).hexdigest()).calibration()


class _Reader:
    """Validates the parsed TOML of one targets file; each failure is one line."""

    def __init__(self, path: Path, data: dict[str, Any], sha256: str) -> None:
        self.path, self.data, self.sha256 = path, data, sha256

    def fail(self, where: str, problem: str, allowed: str) -> CalibrationError:
        return CalibrationError(f"{self.path}: {where}: {problem}; allowed: {allowed}")

    def unknown(self, table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in allowed:
                import difflib

                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                prefix = f"{where}." if where else ""
                raise self.fail(f"{prefix}{key}", f"unknown key{hint}", ", ".join(allowed))

    def number(
        self, value: Any, where: str, low: float = -math.inf, high: float = math.inf
    ) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(
                where, f"{value!r} is not a number", f"a number from {low:g} to {high:g}"
            )
        if not low <= value <= high:
            raise self.fail(
                where, f"{value!r} is out of range", f"a number from {low:g} to {high:g}"
            )
        return float(value)

    def positive(self, value: Any, where: str) -> float:
        number = self.number(value, where)
        if number <= 0:
            raise self.fail(where, f"{value!r} is not above 0", "a number above 0")
        return number

    def whole(self, value: Any, where: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(
                where, f"{value!r} is not allowed", f"a whole number from {low} to {high}"
            )
        return int(value)

    def table(self, key: str) -> dict[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, f"is a {type(value).__name__}", f"a table ([{key}])")
        return value

    def calibration(self) -> Calibration:
        data = self.data
        self.unknown(data, TOP_KEYS, "")
        if "scenario" not in data:
            raise self.fail("scenario", "missing", "a scenario file or a shipped scenario's name")
        ref = data["scenario"]
        if not isinstance(ref, str) or not ref:
            raise self.fail("scenario", f"{ref!r} is not a name", "a scenario file or shipped name")
        local = self.path.parent / ref
        try:
            scenario = find_scenario(local if local.is_file() else ref)
        except (ScenarioError, ValueError, OSError) as err:
            raise self.fail("scenario", str(err).splitlines()[0], "a valid scenario") from None
        seed = self.whole(data.get("seed", scenario.seed), "seed", 0, 2**63 - 1)
        horizon = self.whole(data.get("horizon", scenario.horizon), "horizon", 1, MAX_HORIZON)
        replicates = self.whole(data.get("replicates", 1), "replicates", 1, 1000)
        settings = self.settings()
        priors = self.priors(settings)
        targets = self.targets(scenario.organisations, horizon)
        truth = self.truth(priors)
        budget = self.budget()
        for text in ("title", "description"):
            if not isinstance(data.get(text, ""), str):
                raise self.fail(text, "is not text", "a string")
        self.check_point(scenario, settings, priors)
        return Calibration(
            path=self.path,
            name=self.path.stem,
            title=data.get("title", self.path.stem),
            description=data.get("description", ""),
            sha256=self.sha256,
            scenario=scenario,
            scenario_ref=ref,
            seed=seed,
            horizon=horizon,
            replicates=replicates,
            settings=settings,
            priors=priors,
            targets=targets,
            truth=truth,
            **budget,
        )

    def settings(self) -> dict[str, Any]:
        settings = self.table("parameters")
        for name in settings:
            if name not in SETTING_NAMES:
                raise self.fail(
                    f"parameters.{name}", "not a leadsim setting", "a parameter of `leadsim params`"
                )
        return dict(settings)

    def priors(self, settings: dict[str, Any]) -> tuple[Prior, ...]:
        table = self.table("priors")
        if not table:
            raise self.fail(
                "priors", "none given", "one [priors.NAME] table per parameter to infer"
            )
        return tuple(self.prior(name, spec, settings) for name, spec in table.items())

    def prior(self, name: str, spec: Any, settings: dict[str, Any]) -> Prior:
        where = f"priors.{name}"
        meta = FIELDS[name].metadata if name in FIELDS else None
        if meta is None or FIELDS[name].type not in ("float", float, "float | None"):
            raise self.fail(
                where, "not a real-valued parameter", "a number parameter of `leadsim params`"
            )
        if name in settings:
            raise self.fail(where, "is also fixed in [parameters]", "give it in one place")
        if not isinstance(spec, dict):
            raise self.fail(where, "is not a table", "a table with distribution = ...")
        kind = spec.get("distribution")
        if kind not in DISTRIBUTIONS:
            raise self.fail(
                f"{where}.distribution", f"{kind!r} is not a prior", ", ".join(DISTRIBUTIONS)
            )
        shapes = {"uniform": (), "normal": ("mean", "sd"), "beta": ("a", "b")}[kind]
        self.unknown(spec, ("distribution", "low", "high", *shapes), where)
        p_low, p_high = meta["low"], meta["high"]
        p_low = -math.inf if p_low is None else p_low
        p_high = math.inf if p_high is None else p_high
        bounded = kind != "normal"  # a uniform or a beta needs finite bounds
        low = spec.get("low", p_low)
        high = spec.get("high", p_high)
        range_text = f"within the parameter's range [{p_low:g}, {p_high:g}]"
        if bounded and (math.isinf(low) or math.isinf(high)):
            raise self.fail(
                where, f"a {kind} prior needs low and high", f"finite bounds {range_text}"
            )
        low = self.number(low, f"{where}.low", p_low, p_high) if "low" in spec else float(low)
        high = self.number(high, f"{where}.high", p_low, p_high) if "high" in spec else float(high)
        if not low < high:
            raise self.fail(f"{where}.high", f"{high:g} is not above low {low:g}", "low < high")
        values: dict[str, float] = {}
        for shape in shapes:
            if shape not in spec:
                raise self.fail(
                    f"{where}.{shape}", "missing", f"a {kind} prior needs {' and '.join(shapes)}"
                )
            values[shape] = (
                self.number(spec[shape], f"{where}.{shape}")
                if shape == "mean"
                else self.positive(spec[shape], f"{where}.{shape}")
            )
        if (
            kind == "normal"
            and not low - 5 * values["sd"] < values["mean"] < high + 5 * values["sd"]
        ):
            raise self.fail(
                f"{where}.mean",
                "leaves almost no mass inside [low, high]",
                "a mean within 5 sd of the bounds",
            )
        return Prior(name, kind, low, high, **values)

    def targets(self, organisations: int, horizon: int) -> tuple[Target, ...]:
        items = self.data.get("targets")
        if not isinstance(items, list) or not items:
            raise self.fail("targets", "none given", "one or more [[targets]] tables")
        out: list[Target] = []
        for k, item in enumerate(items):
            out.extend(self.target(k, item, organisations, horizon))
        names = [t.name for t in out]
        for name in names:
            if names.count(name) > 1:
                raise self.fail(
                    "targets", f"the name {name!r} is used twice", "a distinct name per target"
                )
        return tuple(out)

    def target(self, k: int, item: Any, organisations: int, horizon: int) -> list[Target]:
        where = f"targets[{k}]"
        if not isinstance(item, dict):
            raise self.fail(where, "is not a table", "a [[targets]] table")
        allowed = ("name", "summary", "metric", "week", "weeks", "window", "organisation",
                   "observed", "standard_error", "tolerance")  # fmt: skip
        self.unknown(item, allowed, where)
        summary, metric = item.get("summary"), item.get("metric")
        if (summary is None) == (metric is None):
            raise self.fail(
                where, "needs exactly one of summary and metric", "summary = NAME or metric = NAME"
            )
        if summary is not None and summary not in TARGET_SUMMARIES:
            raise self.fail(
                f"{where}.summary",
                f"{summary!r} is not a per-run summary",
                ", ".join(TARGET_SUMMARIES),
            )
        if metric is not None and metric not in METRICS:
            raise self.fail(
                f"{where}.metric", f"{metric!r} is not a weekly metric", ", ".join(METRICS)
            )
        timing = [key for key in ("week", "weeks", "window") if key in item]
        if summary is not None and timing:
            raise self.fail(
                f"{where}.{timing[0]}",
                "a summary is over the whole run",
                "no week, weeks or window with summary",
            )
        if metric is not None and len(timing) != 1:
            raise self.fail(
                where,
                "a metric needs one of week, weeks and window",
                "week = N, weeks = [N, ...] or window = [FIRST, LAST]",
            )
        organisation = item.get("organisation", "pooled")
        if organisation != "pooled":
            organisation = self.whole(organisation, f"{where}.organisation", 0, organisations - 1)
        else:
            organisation = None
        uncertainty = [key for key in ("standard_error", "tolerance") if key in item]
        if len(uncertainty) != 1:
            raise self.fail(
                where,
                "needs exactly one of standard_error and tolerance",
                "standard_error = NUMBER or tolerance = NUMBER",
            )
        kind = uncertainty[0]
        if "observed" not in item:
            raise self.fail(f"{where}.observed", "missing", "the observed value (a number)")
        observed, scale = item["observed"], item[kind]
        last_week = horizon - 1
        if metric is not None and timing[0] == "weeks":
            weeks = item["weeks"]
            if not isinstance(weeks, list) or not weeks:
                raise self.fail(
                    f"{where}.weeks", "is not a list of weeks", f"[N, ...], each 0 to {last_week}"
                )
            weeks = [self.whole(w, f"{where}.weeks", 0, last_week) for w in weeks]
            n = len(weeks)
            observed = observed if isinstance(observed, list) else None
            if observed is None or len(observed) != n:
                raise self.fail(
                    f"{where}.observed",
                    f"needs one value per week ({n})",
                    "a list as long as weeks",
                )
            scales = scale if isinstance(scale, list) else [scale] * n
            if len(scales) != n:
                raise self.fail(
                    f"{where}.{kind}",
                    f"needs one value per week ({n})",
                    "a number, or a list as long as weeks",
                )
            spans = [(w, w) for w in weeks]
        else:
            observed, scales = [observed], [scale]
            if metric is None:
                spans = [None]
            elif timing[0] == "week":
                week = self.whole(item["week"], f"{where}.week", 0, last_week)
                spans = [(week, week)]
            else:
                window = item["window"]
                if not isinstance(window, list) or len(window) != 2:
                    raise self.fail(
                        f"{where}.window",
                        "is not [FIRST, LAST]",
                        f"two weeks from 0 to {last_week}",
                    )
                first = self.whole(window[0], f"{where}.window", 0, last_week)
                last = self.whole(window[1], f"{where}.window", first, last_week)
                spans = [(first, last)]
        base = item.get("name", summary or metric)
        if not isinstance(base, str) or not base:
            raise self.fail(f"{where}.name", f"{base!r} is not a name", "a short text")
        out = []
        for j, (value, span) in enumerate(zip(observed, spans, strict=True)):
            name = base if len(spans) == 1 else f"{base} week {span[0]}"
            value = self.number(value, f"{where}.observed")
            unit = self.positive(scales[j], f"{where}.{kind}")
            out.append(Target(name, value, summary, metric, span, organisation, **{kind: unit}))
        return out

    def truth(self, priors: tuple[Prior, ...]) -> dict[str, float]:
        table = self.table("truth")
        names = tuple(prior.name for prior in priors)
        self.unknown(table, names, "truth")
        return {name: self.number(value, f"truth.{name}") for name, value in table.items()}

    def budget(self) -> dict[str, Any]:
        table = self.table("budget")
        self.unknown(table, tuple(BUDGET_DEFAULTS), "budget")
        got = {**BUDGET_DEFAULTS, **table}
        out = {
            "simulations": self.whole(got["simulations"], "budget.simulations", 10, 10**9),
            "minutes": self.positive(got["minutes"], "budget.minutes"),
            "population": self.whole(got["population"], "budget.population", 10, 10**6),
            "keep": self.number(got["keep"], "budget.keep", 0.05, 0.95),
            "min_acceptance": self.number(got["min_acceptance"], "budget.min_acceptance", 0.0, 1.0),
            "generations": self.whole(got["generations"], "budget.generations", 1, 1000),
            "predictive": self.whole(got["predictive"], "budget.predictive", 0, 100_000),
            "batch_size": self.whole(got["batch_size"], "budget.batch_size", 1, 100_000),
        }
        return out

    def check_point(
        self, scenario: Scenario, settings: dict[str, Any], priors: tuple[Prior, ...]
    ) -> None:
        """The model must accept the fixed settings with every prior at its middle."""
        from leadsim.experiments.design import run_designs
        from leadsim.experiments.points import inline_experiment
        from leadsim.experiments.runner import plan_runs
        from leadsim.experiments.spec import ExperimentError

        try:
            experiment = inline_experiment(scenario, [p.name for p in priors], settings=settings)
        except ExperimentError as err:
            raise self.fail(
                "parameters", str(err).splitlines()[0], "settings the model accepts"
            ) from None
        middle = {p.name: (p.low + p.high) / 2 for p in priors}
        error = plan_runs(experiment, run_designs([middle], 1, [0]))[0].error
        if error:
            raise self.fail("parameters", error, "settings the model accepts")
