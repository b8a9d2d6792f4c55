"""An experiment file can add rules to the engine (leadsim.engine.extensions)."""

from __future__ import annotations

import pandas as pd
import pytest
from experiment_files import GRID, write

from leadsim.experiments import ExperimentError, SweepError, load_experiment, run_sweep
from leadsim.experiments.references import resolve_extension


def test_a_no_op_extension_leaves_results_identical_and_a_real_one_changes_them(lab):
    plain = write(lab, "plain.toml", GRID)
    noop = write(lab, "noop.toml", 'extensions = ["leadsim.engine.extensions:Extension"]\n' + GRID)
    rule = write(
        lab,
        "rule.toml",
        'extensions = ["sweep_helpers:RebuildContainmentInReflection"]\n' + GRID,
    )
    for path in (plain, noop, rule):
        run_sweep(path, lab / path.stem, workers=1)
    runs = {p.stem: pd.read_parquet(lab / p.stem / "runs.parquet") for p in (plain, noop, rule)}
    metrics = ["final_distribution_index", "peak_anxiety", "final_trust"]
    pd.testing.assert_frame_equal(runs["plain"][metrics], runs["noop"][metrics], check_exact=True)
    cycles = runs["plain"]["approach"] == "cycles"
    assert not runs["plain"].loc[cycles, metrics].equals(runs["rule"].loc[cycles, metrics])
    quick = ~cycles  # no reflection weeks, so the rule never fires
    pd.testing.assert_frame_equal(
        runs["plain"].loc[quick, metrics], runs["rule"].loc[quick, metrics], check_exact=True
    )


def test_an_extension_that_cannot_load_is_refused_when_the_sweep_starts(lab):
    """The file names it in the right form, so it loads; resolving it is one line."""
    bad = write(lab, "bad.toml", 'extensions = ["no_such_module:Rule"]\n' + GRID)
    assert load_experiment(bad).extensions == ("no_such_module:Rule",)
    with pytest.raises(ValueError) as err:
        resolve_extension("no_such_module:Rule")
    message = str(err.value)
    assert "\n" not in message and message.startswith(
        "extension: cannot load 'no_such_module:Rule'"
    )


def test_a_sweep_with_an_extension_that_cannot_load_stops_in_one_line(lab):
    bad = write(lab, "bad.toml", 'extensions = ["no_such_module:Rule"]\n' + GRID)
    with pytest.raises((ExperimentError, SweepError)) as err:
        run_sweep(bad, lab / "out", workers=1)
    message = str(err.value)
    assert "\n" not in message and "extensions[0]" in message and "bad.toml" in message
    assert "no_such_module:Rule" in message
