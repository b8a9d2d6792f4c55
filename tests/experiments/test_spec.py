"""Experiment files: valid ones load; each kind of mistake gives its one-line error."""

from __future__ import annotations

import pytest
from experiment_files import write

from leadsim.experiments import ExperimentError, load_experiment
from leadsim.experiments.spec import METHODS


def test_a_grid_experiment_loads_with_its_defaults(grid):
    experiment = load_experiment(grid)
    assert experiment.method == "grid"
    assert experiment.factor_names == ("policy", "approach", "containment")
    assert experiment.factors[2].values == (0.3, 0.7)
    assert experiment.horizon == 30  # the base scenario's
    assert experiment.scenario.params.n_staff == 16
    assert experiment.series_every == 5
    assert experiment.series_metrics[0] == "distribution_index"
    assert len(experiment.sha256) == 64


def test_whole_numbers_for_float_parameters_become_floats(lab):
    path = write(
        lab,
        "e.toml",
        """
        scenario = "base.toml"
        seed = 1
        [factors]
        pressure_baseline = [0, 1]
    """,
    )
    assert load_experiment(path).factors[0].values == (0.0, 1.0)


def test_policy_means_the_policys_own_setting(lab):
    path = write(
        lab,
        "e.toml",
        """
        scenario = "base.toml"
        seed = 1
        [parameters]
        containment = "policy"
        [factors]
        policy = ["delegating", "integrated"]
    """,
    )
    assert load_experiment(path).settings == {"containment": None}


def test_a_ramp_becomes_set_events_ending_at_its_stop(lab):
    path = write(
        lab,
        "e.toml",
        """
        scenario = "base.toml"
        seed = 1
        horizon = 30
        [factors]
        containment = [0.5]
        [[ramps]]
        parameter = "pressure_baseline"
        start = 2
        stop = 12
        from = 0.0
        to = 1.0
        every = 4
    """,
    )
    experiment = load_experiment(path)
    steps = [e.step for e in experiment.events]
    values = [e.args["pressure_baseline"] for e in experiment.events]
    assert steps == [2, 6, 10, 12]
    assert values == pytest.approx([0.0, 0.4, 0.8, 1.0])
    assert experiment.ramps[0].value_at(8) == pytest.approx(0.4)


def test_sampled_designs_take_ranges(lab):
    path = write(
        lab,
        "e.toml",
        """
        scenario = "base.toml"
        seed = 1
        [design]
        method = "sobol"
        samples = 8
        [factors]
        containment = { low = 0.2, high = 0.8 }
        n_staff = { low = 12, high = 20 }
    """,
    )
    experiment = load_experiment(path)
    assert experiment.factors[0].low == 0.2 and not experiment.factors[0].integer
    assert experiment.factors[1].integer


BAD = {
    "unknown top-level field": (
        "replicate = 3",
        "replicate: unknown field (did you mean 'replicates'?); allowed:",
    ),
    "unknown parameter": (
        "[factors]\ncontainmnet = [0.5]",
        "factors.containmnet: unknown parameter (did you mean 'containment'?)",
    ),
    "out of range": (
        "[factors]\ncontainment = [0.5, 1.5]",
        "factors.containment: 1.5 is out of range; allowed: 0 to 1",
    ),
    "wrong type": ("[factors]\nn_staff = [12.5]", "factors.n_staff: expected a whole number"),
    "unknown policy": (
        '[factors]\npolicy = ["laissez_faire"]',
        "factors.policy: unknown value 'laissez_faire'; allowed: hierarchical",
    ),
    "empty grid": (
        "[factors]\ncontainment = []",
        "factors.containment: a grid needs a non-empty list",
    ),
    "repeated value": (
        "[factors]\ncontainment = [0.5, 0.5]",
        "factors.containment: a value is repeated",
    ),
    "no factors": ("[parameters]\ncontainment = 0.5", "factors: missing"),
    "bad method": (
        '[design]\nmethod = "fractional"\n[factors]\ncontainment = [0.5]',
        "design.method: unknown 'fractional'; allowed: grid, lhs, sobol, morris",
    ),
    "list in sobol": (
        '[design]\nmethod = "sobol"\nsamples = 8\n[factors]\ncontainment = [0.5]',
        "factors.containment: a sobol design needs a range",
    ),
    "text range": (
        '[design]\nmethod = "lhs"\nsamples = 8\n[factors]\npolicy = { low = 0, high = 1 }',
        "factors.policy: policy is not a number",
    ),
    "empty range": (
        '[design]\nmethod = "lhs"\nsamples = 8\n[factors]\ncontainment = { low = 0.5, high = 0.5 }',
        "factors.containment: low 0.5 is not below high 0.5",
    ),
    "no samples": (
        '[design]\nmethod = "morris"\n[factors]\ncontainment = { low = 0.1, high = 0.5 }',
        "design.samples: missing",
    ),
    "odd morris levels": (
        '[design]\nmethod = "morris"\nsamples = 4\nlevels = 3\n[factors]\ncontainment = { low = 0.1, high = 0.5 }',
        "design.levels: 3 is odd",
    ),
    "samples on a grid": (
        "[design]\nsamples = 8\n[factors]\ncontainment = [0.5]",
        "design.samples: a grid takes no samples",
    ),
    "both places": (
        "[parameters]\ncontainment = 0.5\n[factors]\ncontainment = [0.5]",
        "parameters.containment: is also a factor",
    ),
    "shock without step": ("[factors]\nshock_size = [1.5]", "shock_size: needs shock_step"),
    "unknown metric": (
        '[factors]\ncontainment = [0.5]\n[output]\nseries = ["happiness"]',
        "output.series: unknown metric 'happiness'",
    ),
    "event after horizon": (
        '[factors]\ncontainment = [0.5]\n[[events]]\nstep = 30\nkind = "accountability_shock"\nsize = 1.5',
        "events[0].step: 30 is beyond the horizon; allowed: 0 to 29",
    ),
    "bad event": (
        '[factors]\ncontainment = [0.5]\n[[events]]\nstep = 3\nkind = "earthquake"',
        "events[0].kind: unknown event 'earthquake'",
    ),
    "structural ramp": (
        '[factors]\ncontainment = [0.5]\n[[ramps]]\nparameter = "n_staff"\nstart = 1\nstop = 5\nfrom = 1\nto = 2',
        "ramps[0].parameter: 'n_staff' cannot be ramped",
    ),
    "heatmap of a non-factor": (
        '[factors]\ncontainment = [0.5]\n[report]\nheatmap = ["containment", "pressure_baseline"]',
        "report.heatmap: 'pressure_baseline' is not a factor",
    ),
    "heatmap of one factor twice": (
        '[factors]\npolicy = ["delegating"]\n[report]\nheatmap = ["policy", "policy"]',
        "report.heatmap: 'policy' is given twice; allowed: two different factors",
    ),
    "malformed extension": (
        'extensions = ["leadsim.engine.extensions:Extension", "os.abort"]\n[factors]\ncontainment = [0.5]',
        "extensions[1]: 'os.abort' is not 'package.module:ClassName'",
    ),
    "replicates zero": (
        "replicates = 0\n[factors]\ncontainment = [0.5]",
        "replicates: 0 is not allowed; a whole number from 1",
    ),
    "bad model": (
        'model = "not a function"\n[factors]\ncontainment = [0.5]',
        "model: 'not a function' is not 'leadsim' or 'module:function'",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_mistake_gives_a_one_line_error_naming_file_and_field(lab, case):
    body, expected = BAD[case]
    head = 'scenario = "base.toml"\nhorizon = 30\n' + ("" if "seed" in body else "seed = 1\n")
    path = lab / "bad.toml"
    path.write_text(head + body + "\n")
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_a_missing_seed_is_an_error(lab):
    path = write(lab, "e.toml", 'scenario = "base.toml"\n[factors]\ncontainment = [0.5]\n')
    with pytest.raises(ExperimentError, match=r"e\.toml: seed: missing"):
        load_experiment(path)


def test_a_missing_scenario_is_an_error(lab):
    path = write(
        lab, "e.toml", 'scenario = "nowhere.toml"\nseed = 1\n[factors]\ncontainment = [0.5]\n'
    )
    with pytest.raises(ExperimentError, match=r"e\.toml: scenario: .*nowhere\.toml"):
        load_experiment(path)


def test_bad_toml_and_missing_files_are_one_line_errors(lab):
    path = write(lab, "e.toml", "scenario = \n")
    with pytest.raises(ExperimentError, match=r"e\.toml: line 1, column 12: TOML syntax: "):
        load_experiment(path)
    deep = write(lab, "deep.toml", "title = " + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(ExperimentError, match=r"deep\.toml: line 1: arrays or tables nested"):
        load_experiment(deep)
    long = write(lab, "long.toml", "seed = " + "9" * 5000 + "\n")
    with pytest.raises(
        ExperimentError, match=r"long\.toml: line 1 \(seed\): a number of 5000 digits"
    ):
        load_experiment(long)
    with pytest.raises(ExperimentError, match=r"absent\.toml: cannot read the file"):
        load_experiment(lab / "absent.toml")


def test_every_method_is_documented():
    assert METHODS == ("grid", "lhs", "sobol", "morris")
