"""The targets file: valid files load, and each mistake is one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadsim.calibration.targets import CalibrationError, load_calibration

GOOD = """
scenario = "integrated"
seed = 5

[priors.containment]
distribution = "uniform"
low = 0.2
high = 1.0

[priors.peer_trust_mean]
distribution = "normal"
mean = 0.4
sd = 0.1

[priors.pressure_baseline]
distribution = "beta"
a = 2
b = 3
low = 0
high = 1

[[targets]]
summary = "final_distribution_index"
observed = 0.5
tolerance = 0.05

[[targets]]
metric = "trust"
weeks = [10, 20]
observed = [0.6, 0.55]
standard_error = 0.02

[[targets]]
metric = "anxiety"
window = [40, 51]
organisation = 0
observed = 0.2
standard_error = 0.02

[budget]
population = 100
simulations = 1000
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_its_targets_expanded(tmp_path):
    calibration = load_calibration(write(tmp_path, GOOD))
    assert calibration.parameter_names == ("containment", "peer_trust_mean", "pressure_baseline")
    assert [t.name for t in calibration.targets] == [
        "final_distribution_index",
        "trust week 10",
        "trust week 20",
        "anxiety",
    ]
    assert calibration.targets[3].weeks == (40, 51)
    assert calibration.targets[3].organisation == 0
    assert calibration.metrics == ("trust", "anxiety")
    normal = calibration.priors[1]
    assert (normal.low, normal.high) == (0.0, 1.0)  # truncated to the parameter's range
    assert calibration.population == 100


def test_shipped_examples_load():
    for name in ("synthetic_integrated", "inspection_rollback"):
        calibration = load_calibration(name)
        assert calibration.targets


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ('scenario = "integrated"', 'scenario = "integratd"', ("scenario", "integrated")),
        (
            'distribution = "uniform"',
            'distribution = "lognormal"',
            ("priors.containment.distribution", "uniform, normal, beta"),
        ),
        ("[priors.containment]", "[priors.n_staff]", ("priors.n_staff", "number parameter")),
        ("[priors.containment]", "[priors.containmnt]", ("priors.containmnt", "number parameter")),
        ("low = 0.2\nhigh = 1.0", "low = 0.2\nhigh = 1.5", ("priors.containment.high", "0 to 1")),
        (
            "low = 0.2\nhigh = 1.0",
            "low = 0.8\nhigh = 0.3",
            ("priors.containment.high", "low < high"),
        ),
        ("mean = 0.4\nsd = 0.1", "mean = 0.4", ("priors.peer_trust_mean.sd", "mean and sd")),
        ("sd = 0.1", "sd = -0.1", ("priors.peer_trust_mean.sd", "above 0")),
        (
            'summary = "final_distribution_index"',
            'summary = "final_index"',
            ("targets[0].summary", "reverted"),
        ),
        ('metric = "trust"', 'metric = "trusts"', ("targets[1].metric", "distribution_index")),
        ("weeks = [10, 20]", "weeks = [10, 999]", ("targets[1].weeks", "0 to 155")),
        ("observed = [0.6, 0.55]", "observed = [0.6]", ("targets[1].observed", "as long as weeks")),
        ("window = [40, 51]", "window = [51, 40]", ("targets[2].window", "51 to 155")),
        ("organisation = 0", "organisation = 3", ("targets[2].organisation", "0 to 0")),
        ("tolerance = 0.05", "", ("targets[0]", "standard_error = NUMBER or tolerance = NUMBER")),
        ("tolerance = 0.05", "tolerance = 0", ("targets[0].tolerance", "above 0")),
        (
            "observed = 0.5\ntolerance",
            'observed = "high"\ntolerance',
            ("targets[0].observed", "a number"),
        ),
        ("population = 100", "population = 3", ("budget.population", "10 to")),
        ("population = 100", "populaton = 100", ("budget.populaton", "did you mean 'population'")),
        ("seed = 5", "seed = 5\nreplicate = 2", ("replicate", "unknown key")),
        (
            "seed = 5",
            "seed = 5\n[parameters]\ncontainment = 0.5",
            ("priors.containment", "one place"),
        ),
        (
            "seed = 5",
            "seed = 5\n[truth]\nheroic_identification = 0.5",
            ("truth.heroic_identification", "containment"),
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_field_and_what_is_allowed(tmp_path, old, new, names):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(CalibrationError) as caught:
        load_calibration(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert "allowed" in message
    for name in names:
        assert name in message


def test_a_file_without_targets_or_priors_is_refused(tmp_path):
    with pytest.raises(CalibrationError, match="targets: none given"):
        load_calibration(write(tmp_path, GOOD.split("[[targets]]")[0]))
    start, end = GOOD.index("[priors.containment]"), GOOD.index("[[targets]]")
    with pytest.raises(CalibrationError, match="priors: none given"):
        load_calibration(write(tmp_path, GOOD[:start] + GOOD[end:]))


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(CalibrationError, match="file not found"):
        load_calibration(tmp_path / "nope.toml")


def test_priors_sample_inside_their_bounds_with_the_density_they_state(tmp_path):
    import numpy as np

    calibration = load_calibration(write(tmp_path, GOOD))
    rng = np.random.default_rng(0)
    for prior in calibration.priors:
        draws = prior.sample(rng, 20_000)
        assert draws.min() >= prior.low
        assert draws.max() <= prior.high
        grid = np.linspace(prior.low, prior.high, 2001)
        mass = np.trapezoid(np.exp(prior.logpdf(grid)), grid)
        assert mass == pytest.approx(1.0, abs=0.01)
        assert np.isneginf(prior.logpdf(np.array([prior.high + 0.01])))[0]
