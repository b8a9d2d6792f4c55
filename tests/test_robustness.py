"""Command-line robustness (issue 14): each malformed input is one line, never a traceback.

Every test runs the real entry point in-process (``leadsim.cli.main``) and checks that
what it says is one line naming the file, the field and what is allowed.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from leadsim.cli import main
from leadsim.config import (
    MAX_FILE_BYTES,
    MAX_HORIZON,
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
    SCENARIO_DIR,
    ScenarioError,
    find_scenario,
    load_scenario,
    scenario_from_text,
)
from leadsim.params import ParameterError, Parameters

EXPERIMENT_HEAD = 'scenario = "abdication"\nseed = 1\n'


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``leadsim ARGS`` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(args))
    except SystemExit as done:  # argparse's own errors
        code = done.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line(text: str) -> str:
    """The single line of ``text``; fails on a traceback or on more than one line."""
    assert "Traceback" not in text and "Error:" not in text.split(":", 1)[0]
    lines = text.strip().splitlines()
    assert len(lines) == 1, text[:2000]
    return lines[0]


def refused(capsys, *args: str, allowed: bool = True) -> str:
    """``leadsim ARGS`` fails with one line on stderr (``run``, ``sweep``); that line."""
    code, out, err = cli(capsys, *args)
    assert code == 2, (code, out[-500:], err[-2000:])
    line = one_line(err)
    assert line.startswith("leadsim: error: ")
    assert "allowed" in line or not allowed, line
    return line


def invalid(capsys, path: Path | str) -> str:
    """``leadsim validate PATH`` says ``invalid:`` in one line; that line."""
    code, out, err = cli(capsys, "validate", str(path))
    assert code == 1 and not err, err[-2000:]
    line = one_line(out)
    assert line.startswith("invalid: ") and "allowed" in line
    return line


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


NESTED = {
    "array": "title = " + "[" * 500 + "]" * 500 + "\n",
    "inline_table": "title = " + "{a = " * 500 + "1" + "}" * 500 + "\n",
    "dotted_key": "[parameters]\ncontainment" + ".a" * 3000 + " = 1\n",
    "table_header": "[parameters" + ".a" * 500 + "]\n",
}


@pytest.mark.parametrize("shape", NESTED)
def test_500_levels_of_nesting_in_a_scenario_are_one_line(tmp_path, capsys, shape):
    path = write(tmp_path, "deep.toml", NESTED[shape])
    for line in (invalid(capsys, path), refused(capsys, "run", str(path))):
        assert str(path) in line and "nested too deep" in line
        assert "allowed: at most 100 levels" in line


@pytest.mark.parametrize(
    "body",
    [
        "[factors]\ncontainment = " + "[" * 500 + "]" * 500 + "\n",
        "[design]\nmethod = 'lhs'\nsamples = 2\n[factors]\ncontainment = "
        + "{low = " * 500
        + "1"
        + "}" * 500
        + "\n",
        "[factors]\ncontainment = [0.1]\n[[events]]\nstep = 1\nkind = 'set'\ncontainment"
        + ".a" * 3000
        + " = 1\n",
    ],
    ids=["array", "inline_table", "dotted_key"],
)
def test_500_levels_of_nesting_in_an_experiment_are_one_line(tmp_path, capsys, body):
    path = write(tmp_path, "deep.toml", EXPERIMENT_HEAD + body)
    line = refused(capsys, "sweep", str(path), "--dry-run")
    assert str(path) in line and "nested too deep" in line and "at most 100 levels" in line


def test_a_file_name_too_long_for_the_system_is_one_line(tmp_path, capsys):
    path = tmp_path / ("x" * 300 + ".toml")  # Path.exists() raises: File name too long
    for line in (
        invalid(capsys, path),
        refused(capsys, "run", str(path)),
        refused(capsys, "sweep", str(path), "--dry-run"),
    ):
        assert "file name too long" in line and "at most 255 bytes" in line
    long_folder = tmp_path / ("y" * 300) / "out"
    line = refused(capsys, "run", str(SCENARIO_DIR / "abdication.toml"), "--out", str(long_folder))
    assert line.startswith("leadsim: error: --out: ")


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root reads any folder whatever its mode, so chmod 000 cannot make one unreadable",
)
def test_a_file_in_an_unreadable_folder_is_one_line(tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    path = write(folder, "s.toml", 'title = "x"\n')
    folder.chmod(0)
    try:
        for line in (invalid(capsys, path), refused(capsys, "run", str(path))):
            assert str(path) in line and "cannot be read" in line
    finally:
        folder.chmod(0o755)


def test_a_path_the_system_refuses_to_look_at_is_one_line_in_the_library(tmp_path):
    # What an unreadable folder does to Path.exists() (an OSError), checked as root too.
    with pytest.raises(ScenarioError, match=r"file name too long.*allowed: .*255 bytes"):
        load_scenario(tmp_path / ("z" * 300) / "s.toml")
    with pytest.raises(ScenarioError, match="no such scenario"):
        find_scenario("z" * 300)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("seed = " + "9" * 5000 + "\n", "seed"),
        ("[parameters]\nn_staff = " + "9" * 5000 + "\n", "parameters.n_staff"),
        ("[[events]]\nstep = 1\nkind = 'accountability_shock'\nsize = " + "1" * 5000, "events[0]"),
    ],
)
def test_a_5000_digit_integer_names_the_file_and_the_field(tmp_path, capsys, text, field):
    path = write(tmp_path, "digits.toml", text)
    for line in (invalid(capsys, path), refused(capsys, "run", str(path))):
        assert f"{path}: line " in line and f"({field}" in line
        assert "5000 digits" in line and "at most 4300 digits" in line
    experiment = write(
        tmp_path, "e.toml", EXPERIMENT_HEAD + "[factors]\nn_staff = [" + "7" * 5000 + "]"
    )
    line = refused(capsys, "sweep", str(experiment), "--dry-run")
    assert f"{experiment}: line " in line and "(factors.n_staff)" in line


def test_a_300_character_name_is_refused_at_validation_with_the_limit(tmp_path, capsys):
    path = write(tmp_path, "s.toml", f'name = "{"a" * 300}"\n')
    for line in (invalid(capsys, path), refused(capsys, "run", str(path), "--out", str(tmp_path))):
        assert f"{path}: name: 300 characters is too long" in line
        assert f"at most {MAX_NAME_CHARS} characters" in line
    assert not list(tmp_path.glob("*.parquet"))
    experiment = write(
        tmp_path, "e.toml", EXPERIMENT_HEAD + f'name = "{"b" * 300}"\n[factors]\nn_staff = [20]\n'
    )
    line = refused(capsys, "sweep", str(experiment), "--dry-run")
    assert "name: 300 characters is too long" in line and f"at most {MAX_NAME_CHARS}" in line


def test_a_long_file_name_gives_a_name_cut_to_the_limit_that_run_can_write(tmp_path, capsys):
    path = write(tmp_path, "s" * 240 + ".toml", 'title = "Long file name"\n')
    assert len(load_scenario(path).name) == MAX_NAME_CHARS
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(path), "--steps", "3", "--out", str(out))
    assert code == 0, err
    assert (out / f"{'s' * MAX_NAME_CHARS}_metrics.parquet").is_file()


def test_a_200000_character_title_is_refused_at_once_with_the_limit(tmp_path, capsys):
    path = write(tmp_path, "s.toml", f'title = "{"t" * 200_000}"\n')
    for line in (invalid(capsys, path), refused(capsys, "run", str(path))):
        assert f"{path}: title: 200,000 characters is too long" in line
        assert f"at most {MAX_TITLE_CHARS} characters" in line
    experiment = write(
        tmp_path, "e.toml", EXPERIMENT_HEAD + f'title = "{"t" * 300}"\n[factors]\nn_staff = [20]\n'
    )
    line = refused(capsys, "sweep", str(experiment), "--dry-run")
    assert "title: 300 characters is too long" in line and f"at most {MAX_TITLE_CHARS}" in line


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    path = tmp_path / "huge.toml"
    with path.open("wb") as handle:  # 50 MB, sparse: refused from its size alone
        handle.truncate(50 * 1024 * 1024)
    monkeypatch.setattr("tomllib.loads", lambda *_: pytest.fail("parsed a file over the limit"))
    for line in (invalid(capsys, path), refused(capsys, "run", str(path))):
        assert "file too large (52,428,800 bytes)" in line
        assert f"allowed: at most 1 MB ({MAX_FILE_BYTES:,} bytes)" in line
    experiment = tmp_path / "huge_e.toml"
    experiment.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    line = refused(capsys, "sweep", str(experiment), "--dry-run")
    assert "file too large" in line and "at most 1 MB" in line
    with pytest.raises(ScenarioError, match=r"file too large.*at most 1 MB"):
        scenario_from_text("#" * (MAX_FILE_BYTES + 1))


def test_reversion_low_must_be_below_reversion_high_wherever_parameters_are_set(tmp_path, capsys):
    allowed = "allowed: reversion_low < reversion_high"
    # a scenario file
    path = write(tmp_path, "s.toml", "[parameters]\nreversion_low = 0.9\nreversion_high = 0.1\n")
    line = invalid(capsys, path)
    assert "parameters.reversion_low: 0.9 is not below reversion_high 0.1" in line
    assert allowed in line
    # a `set` event that changes one of the two
    path = write(tmp_path, "e.toml", "[[events]]\nstep = 3\nkind = 'set'\nreversion_high = 0.1\n")
    line = invalid(capsys, path)
    assert "events[0]" in line and "is not below reversion_high 0.1" in line and allowed in line
    # Parameters, and a single-field change of it
    with pytest.raises(ParameterError, match=allowed):
        Parameters(reversion_low=0.3, reversion_high=0.3)
    with pytest.raises(ParameterError, match=allowed):
        Parameters().replace(reversion_low=0.5)


def test_reversion_set_at_run_time_is_refused_and_changes_nothing():
    from leadsim.model import LeadershipModel

    model = LeadershipModel(find_scenario("integrated"), rng=1)
    model.step()
    with pytest.raises(ParameterError, match="allowed: reversion_low < reversion_high"):
        model.set_param("reversion_low", 0.9)
    assert model.engine.p.per_org[0].reversion_low == Parameters().reversion_low
    model.set_param("reversion_low", 0.2)  # a valid change still goes through
    assert model.engine.p.per_org[0].reversion_low == 0.2


@pytest.mark.parametrize(
    "factors",
    [
        "[factors]\nreversion_low = [0.1, 0.5]\n",  # 0.5 is above the scenario's 0.3
        "[design]\nmethod = 'lhs'\nsamples = 4\n[factors]\nreversion_low = {low = 0.05, high = 0.25}\n"
        "reversion_high = {low = 0.2, high = 0.6}\n",
        "[parameters]\nreversion_high = 0.1\n[factors]\nn_staff = [20, 30]\n",
    ],
    ids=["grid", "sampled_pair", "setting"],
)
def test_a_design_that_could_give_reversion_low_above_high_is_refused_up_front(
    tmp_path, capsys, factors
):
    path = write(tmp_path, "e.toml", EXPERIMENT_HEAD + factors)
    line = refused(capsys, "sweep", str(path), "--dry-run")
    assert str(path) in line and "the design can give reversion_low" in line
    assert "allowed: reversion_low below reversion_high at every point of the design" in line


def test_steps_that_end_before_a_scheduled_event_say_so_and_still_run(capsys):
    code, out, err = cli(capsys, "run", "inspection_low_containment", "--steps", "10")
    assert code == 0 and "10 weeks" in out
    assert one_line(err) == (
        "leadsim: note: --steps 10 ends before scheduled event(s): accountability shock at "
        "week 52; they will not happen"
    )
    code, _, err = cli(capsys, "run", "inspection_low_containment", "--steps", "60")
    assert code == 0 and err == ""


def test_steps_beyond_the_horizon_limit_are_one_line(capsys):
    line = refused(capsys, "run", "abdication", "--steps", "5000")
    assert line == (
        f"leadsim: error: --steps: 5000 is outside the horizon limit; allowed: a whole number "
        f"from 1 to {MAX_HORIZON} (weeks)"
    )


UTF16_SCENARIO = 'title = "Café: a test"\n[parameters]\npolicy = "delegating"\n'


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-8-sig", "utf-8"]
)
def test_one_encoding_rule_for_the_command_line_experiments_and_the_dashboard(
    tmp_path, capsys, encoding
):
    from leadsim.dashboard.limits import uploaded_text
    from leadsim.experiments.spec import load_experiment

    boms = {"utf-16-le-bom": b"\xff\xfe", "utf-16-be-bom": b"\xfe\xff"}
    codec = {"utf-16-le-bom": "utf-16-le", "utf-16-be-bom": "utf-16-be"}.get(encoding, encoding)
    raw = boms.get(encoding, b"") + UTF16_SCENARIO.encode(codec)
    path = write(tmp_path, "s.toml", raw)
    assert cli(capsys, "validate", str(path))[0] == 0
    assert load_scenario(path).title == "Café: a test"
    uploaded = uploaded_text({"name": "s.toml", "data": base64.b64encode(raw).decode()}, "s.toml")
    assert scenario_from_text(uploaded, "s.toml") == scenario_from_text(raw, "s.toml")
    text = EXPERIMENT_HEAD + 'title = "Café"\n[factors]\nn_staff = [20]\n'
    experiment = write(tmp_path, "e.toml", boms.get(encoding, b"") + text.encode(codec))
    assert load_experiment(experiment).title == "Café"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('title = "café"\n'.encode("latin-1"), "not UTF-8 text (byte 12)"),
        (
            'title = "x"\n'.encode("utf-16-le"),
            "not UTF-8 text (a NUL byte at byte 1: UTF-16 without a byte-order mark?)",
        ),
        ('title = "x"\n'.encode("utf-32"), "UTF-32 text"),
    ],
    ids=["latin-1", "utf-16-without-bom", "utf-32"],
)
def test_other_encodings_are_refused_alike_everywhere_in_one_line(tmp_path, capsys, raw, problem):
    from leadsim.dashboard.limits import uploaded_text

    allowed = (
        "allowed: UTF-8 text (with or without a byte-order mark), or UTF-16 with a byte-order mark"
    )
    path = write(tmp_path, "s.toml", raw)
    for line in (invalid(capsys, path), refused(capsys, "run", str(path))):
        assert f"{path}: {problem}" in line and line.endswith(allowed)
    experiment = write(tmp_path, "e.toml", raw)
    line = refused(capsys, "sweep", str(experiment), "--dry-run")
    assert f"{experiment}: {problem}" in line and line.endswith(allowed)
    with pytest.raises(ScenarioError) as err:
        uploaded_text({"name": "s.toml", "data": base64.b64encode(raw).decode()}, "s.toml")
    assert f"s.toml: {problem}" in str(err.value) and str(err.value).endswith(allowed)


def test_no_command_shows_a_traceback_for_any_of_these_inputs(tmp_path, capsys):
    files = {
        "nested.toml": NESTED["array"],
        "digits.toml": "seed = " + "9" * 5000,
        "name.toml": f'name = "{"n" * 300}"',
        "title.toml": f'title = "{"t" * 5000}"',
        "reversion.toml": "[parameters]\nreversion_low = 0.9\nreversion_high = 0.1\n",
        "latin.toml": 'title = "é"'.encode("latin-1"),
    }
    paths = [write(tmp_path, name, text) for name, text in files.items()]
    paths.append(tmp_path / ("x" * 300 + ".toml"))
    for path in paths:
        invalid(capsys, path)
        refused(capsys, "run", str(path))
        refused(capsys, "sweep", str(path), "--dry-run", allowed=False)  # not experiments
    for command in ("params", "scenarios"):
        code, out, err = cli(capsys, command)
        assert code == 0 and err == "" and "Traceback" not in out


def test_an_experiment_names_its_runs_with_a_usable_name(tmp_path, capsys):
    """A file called 'my exp.toml' runs (its name made usable); name = "a b.c" is refused."""
    body = 'scenario = "abdication"\nreplicates = 2\nhorizon = 8\nseed = 3\n'
    body += "[factors]\ncontainment = [0.3, 0.5]\n"
    spaced = tmp_path / "my exp.toml"
    spaced.write_text(body)
    code, out, err = cli(capsys, "sweep", str(spaced), "--out", str(tmp_path / "out"))
    assert code == 0 and "4 ok" in out, err  # every run valid, none 'invalid'
    named = tmp_path / "named.toml"
    named.write_text('name = "a b.c"\n' + body)
    code, _, err = cli(capsys, "sweep", str(named), "--dry-run")
    assert code == 2 and err.count("\n") == 1
    assert "name: 'a b.c' is not a usable name; allowed: letters, digits, _ and -" in err


def test_a_missing_experiment_in_another_folder_is_not_the_shipped_one(tmp_path, capsys):
    code, _, err = cli(capsys, "sweep", str(tmp_path / "policy_comparison.toml"), "--dry-run")
    assert code == 2 and "file not found" in err
