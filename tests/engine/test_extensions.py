"""Extensions add rules without editing the package, at the named phase of each step."""

from __future__ import annotations

import numpy as np
import pytest

from leadsim.engine import Engine, Extension, RunSpec
from leadsim.engine.core import series_of
from leadsim.engine.extensions import extension_class, load_extension
from leadsim.params import Parameters

RUN = RunSpec(Parameters(policy="integrated", approach="cycles", n_staff=40), seed=11)


class ReflectionRebuildsContainment(Extension):
    """Reflection weeks rebuild the head's containment (MODEL.md §7's open question)."""

    def __init__(self, rate: float = 0.2) -> None:
        self.rate = rate

    def after_reflection(self, engine: Engine) -> None:
        engine.containment = engine.containment + self.rate * engine.reflecting * (
            1.0 - engine.containment
        )


class Recorder(Extension):
    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    def after_leader(self, engine):
        self.calls.append((engine.t, "after_leader"))

    def after_outcomes(self, engine):
        assert set(engine.this_week) >= {"leading", "succeeded"}
        self.calls.append((engine.t, "after_outcomes"))

    def after_staff(self, engine):
        self.calls.append((engine.t, "after_staff"))

    def after_reflection(self, engine):
        self.calls.append((engine.t, "after_reflection"))


def run(extensions=()):
    engine = Engine([RUN], extensions=extensions)
    engine.run(30)
    return series_of(engine)


def test_hooks_run_once_per_step_in_the_order_of_model_md_section_3():
    recorder = Recorder()
    Engine([RUN], extensions=[recorder]).run(2)
    phases = ["after_leader", "after_outcomes", "after_staff", "after_reflection"]
    assert recorder.calls == [(t, phase) for t in range(2) for phase in phases]


def test_a_new_rule_changes_the_run_only_from_its_first_reflection_week():
    plain, extended = run(), run([ReflectionRebuildsContainment()])
    first_reflection = RUN.params.cycle_length - RUN.params.reflection_weeks
    before = slice(0, first_reflection)
    assert np.array_equal(plain["containment"][before], extended["containment"][before])
    assert np.all(
        extended["containment"][first_reflection:] >= plain["containment"][first_reflection:]
    )
    assert extended["containment"][first_reflection, 0] > plain["containment"][first_reflection, 0]


def test_an_extension_that_does_nothing_changes_nothing():
    plain, extended = run(), run([Extension()])
    for name, values in plain.items():
        assert np.array_equal(values, extended[name]), name


def test_load_extension_by_reference_and_its_errors():
    assert isinstance(load_extension("leadsim.engine.extensions:Extension"), Extension)
    assert extension_class("leadsim.engine.extensions:Extension") is Extension
    with pytest.raises(ValueError, match=r"^extension: 'nonsense' is not 'package\.module:"):
        load_extension("nonsense")
    with pytest.raises(ValueError, match=r"^extension: cannot load .*Missing"):
        load_extension("leadsim.engine.extensions:Missing")
    with pytest.raises(ValueError, match=r"cannot load 'no_such_module:Rule' \(No module"):
        load_extension("no_such_module:Rule")


@pytest.mark.parametrize(
    "reference", ["os:abort", "builtins:input", "collections:OrderedDict", "leadsim.engine:Engine"]
)
def test_only_an_extension_subclass_is_loaded_by_reference(reference):
    """Anything else is refused in one line and never called (os:abort would end the tests)."""
    expected = f"extension: {reference!r} is not an Extension subclass; allowed: a subclass of "
    for load in (extension_class, load_extension):
        with pytest.raises(ValueError) as info:
            load(reference)
        assert str(info.value).startswith(expected) and "\n" not in str(info.value)


class Watches(Extension):
    """Overrides the hooks after the staff update but changes nothing."""

    def after_staff(self, engine):
        pass

    def after_reflection(self, engine):
        pass


class CalmsStaff(Extension):
    """Halves every staff member's anxiety right after the staff update."""

    def after_staff(self, engine):
        engine.anxiety = engine.anxiety * 0.5


class DuckTyped:
    """Not an Extension subclass: any object with a hook method is an extension."""

    def after_reflection(self, engine):
        engine.trust[:] = 0.9


def test_a_hook_that_changes_nothing_leaves_every_record_bit_identical():
    """Staff are tallied during the update; after a hook they are tallied again, the same way."""
    plain = Engine([RUN])
    watched = Engine([RUN], extensions=[Watches()])
    plain.run(60)
    watched.run(60)
    assert watched._may_change_staff("after_staff") and watched._may_change_staff(
        "after_reflection"
    )
    assert not plain._may_change_staff("after_staff")
    assert not Engine([RUN], extensions=[CalmsStaff()])._may_change_staff("after_reflection")
    for name, series in series_of(plain).items():
        assert np.array_equal(series, series_of(watched)[name]), name


@pytest.mark.parametrize(
    ("extension", "metric", "state"),
    [(CalmsStaff(), "anxiety", "anxiety"), (DuckTyped(), "trust", "trust")],
)
def test_records_see_what_a_hook_did_to_the_staff(extension, metric, state):
    engine = Engine([RUN], extensions=[extension])
    for _ in range(10):
        engine.step()
        recorded = engine.records[-1].values[metric][0]
        assert recorded == pytest.approx(getattr(engine, state).mean(), rel=1e-12)
    reversion = engine.records[-1].values["reversion_pressure"][0]
    assert reversion == pytest.approx((engine.dependency * engine.anxiety).mean(), rel=1e-12)
