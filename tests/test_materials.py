"""The user materials stay true to the model (issue 6).

Three files are checked: the dashboard's About page (``src/leadsim/dashboard/about.md``),
the workshop guide (``docs/workshop.md``) and the student exercises
(``docs/exercises.md``). They follow a few conventions, which the tests enforce:

- A backticked ``snake_case`` word names something of the model: a parameter, a
  shipped scenario, a rule of ``leadsim.engine.rules``, a metric or summary, an ASERT
  axis, a policy, an approach or an event kind; anything else must be on the short
  :data:`ALLOWED` list below. ``name = value`` settings must be valid parameter values.
  Backticked repository paths must exist, ``leadsim.…`` dotted names must import, and
  backticked ``leadsim`` commands must parse (and ``leadsim run`` must name a shipped
  scenario). A renamed parameter or a removed scenario fails here, not in a classroom.
- A scenario as the dashboard's picker shows it is written ``**Title** (`name`)``,
  and the title must be that scenario's.
- A label of the dashboard (button, switch, field) is written ``<kbd>Label</kbd>`` and
  must appear in the dashboard's source.
- Text in curly double quotation marks is verbatim from a source text (seed 000 or
  004); it is checked against the seeds when they are found, and otherwise against
  the verbatim passages of ``docs/odd.md``.

Then the structure: the About page has NetLogo's eight Info-tab headings in order;
the workshop's session plan covers 0 to 60 minutes without gap or overlap; the
exercises are five, each with a Question, Change, Record and Discuss part, and at
least one asks students to Predict first.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from leadsim.cli import build_parser
from leadsim.config import SCENARIO_DIR, list_scenarios
from leadsim.dashboard.controls import CONTROLS
from leadsim.engine import rules
from leadsim.engine.metrics import ASERT_AXES, METRICS, SUMMARIES
from leadsim.events import EVENT_KINDS
from leadsim.params import APPROACHES, FIELD_NAMES, POLICIES, ParameterError, Parameters

ROOT = Path(__file__).resolve().parents[1]
ABOUT = ROOT / "src" / "leadsim" / "dashboard" / "about.md"
WORKSHOP = ROOT / "docs" / "workshop.md"
EXERCISES = ROOT / "docs" / "exercises.md"
MATERIALS = (ABOUT, WORKSHOP, EXERCISES)
DASHBOARD = ROOT / "src" / "leadsim" / "dashboard"
ROOM_PAGES = ROOT / "src" / "leadsim" / "workshop" / "pages"
# The guide's second plan is played in a workshop room (leadsim.workshop), not the dashboard.
ROOM_PLAN = "A second plan: a workshop room, where the heads in the room play the heads"

INFO_HEADINGS = (
    "WHAT IS IT?",
    "HOW IT WORKS",
    "HOW TO USE IT",
    "THINGS TO NOTICE",
    "THINGS TO TRY",
    "EXTENDING THE MODEL",
    "RELATED MODELS",
    "CREDITS AND REFERENCES",
)
# Backticked snake_case words that are not names of the model, each for a reason.
ALLOWED: frozenset[str] = frozenset(
    {
        "leadsim",  # the program
        "uv",  # the tool that runs it
        "seed",  # the run's seed: a scenario key and a dashboard control, not a parameter
        "horizon",  # weeks to run: likewise
        "organisations",  # scenario key: organisations in one system
        "events",  # scenario key: the table of scheduled events
        "parameters",  # scenario key: the table of parameters
        "step",  # event key: the week an event fires
        "kind",  # event key: which event
        "size",  # argument of `accountability_shock`
        "virus_on_network",  # Mesa's example model, cited under RELATED MODELS
    }
)
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
SETTING = re.compile(r"(?P<name>[a-z][a-z0-9_]*)\s*=\s*(?P<value>[^=]+)")
REPO_DIRS = ("src/", "docs/", "scenarios/", "tests/", "experiments/", "examples/")
SCENARIO_REF = re.compile(r"\*\*(?P<title>[^*]+)\*\*\s*\(`(?P<name>[^`]+)`\)")
KBD = re.compile(r"<kbd>(?P<label>.*?)</kbd>")
QUOTE = re.compile(r"“(?P<text>[^”]+)”")
MINUTES = re.compile(r"^###\s+(?P<start>\d+)\s*[–-]\s*(?P<end>\d+)\s*min\b", re.MULTILINE)
PLAN_ROW = re.compile(r"^\|\s*(?P<start>\d+)\s*[–-]\s*(?P<end>\d+)\s*\|", re.MULTILINE)
EXERCISE = re.compile(r"^## Exercise (?P<number>\d+)\b.*$", re.MULTILINE)
PARTS = ("Question", "Change", "Record", "Discuss")


def read(path: Path) -> str:
    """A material's text."""
    return path.read_text(encoding="utf-8")


def shipped() -> dict[str, str]:
    """Shipped scenario name -> title."""
    return {scenario.name: scenario.title for scenario in list_scenarios(SCENARIO_DIR)}


def rule_names() -> set[str]:
    """The public functions of ``leadsim.engine.rules``: one per mechanism."""
    return {
        name
        for name, obj in vars(rules).items()
        if inspect.isfunction(obj) and obj.__module__ == rules.__name__ and not name.startswith("_")
    }


def known_names() -> set[str]:
    """Every name a material may put in backticks."""
    return (
        set(FIELD_NAMES)
        | set(shipped())
        | rule_names()
        | set(METRICS)
        | set(SUMMARIES)
        | set(ASERT_AXES)
        | set(POLICIES)
        | set(APPROACHES)
        | set(EVENT_KINDS)
        | ALLOWED
    )


def backticked(text: str) -> list[str]:
    """Every inline code span, and every ``leadsim`` command line of the fenced blocks."""
    spans = re.findall(r"(?<!`)`([^`\n]+)`(?!`)", re.sub(r"```.*?```", "", text, flags=re.S))
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        lines = (line.split("#")[0].strip() for line in block.splitlines())
        spans.extend(line for line in lines if line.startswith(("leadsim ", "uv run leadsim ")))
    return [span.strip() for span in spans if span.strip()]


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next ``## `` heading."""
    found = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert found, f"no section '## {heading}'"
    return found.group(1)


def problems_with(token: str, known: set[str], scenarios: dict[str, str]) -> list[str]:
    """What is wrong with one backticked token (empty if nothing)."""
    if SNAKE.fullmatch(token):
        return [] if token in known else [f"`{token}`: not a name of the model"]
    setting = SETTING.fullmatch(token)
    if setting and " " not in setting.group("name"):
        name, value = setting.group("name"), setting.group("value").strip()
        if name not in known:
            return [f"`{token}`: {name} is not a name of the model"]
        if name in FIELD_NAMES:
            try:
                parsed = tomllib.loads(f"v = {value}")["v"]
                Parameters().replace(**{name: parsed})
            except (tomllib.TOMLDecodeError, ParameterError) as err:
                return [f"`{token}`: {err}"]
        return []
    words = token.split()
    if words[:2] == ["uv", "run"]:
        words = words[2:]
    if words and words[0] == "leadsim":
        return command_problems(token, words[1:], scenarios)
    if token.startswith("leadsim."):
        return [] if resolves(token) else [f"`{token}`: does not import"]
    path = token.split("#")[0].split(":")[0]
    if path.startswith(REPO_DIRS) and not any(ch in path for ch in "*<>{}"):
        return [] if (ROOT / path).exists() else [f"`{token}`: no such file in the repository"]
    return []


def command_problems(token: str, argv: list[str], scenarios: dict[str, str]) -> list[str]:
    """A ``leadsim …`` command must parse, and ``run`` must name a scenario that ships."""
    if any(arg.startswith("<") or arg in ("…", "...") for arg in argv):
        return []  # a template such as `leadsim run <name>`
    try:
        args = build_parser().parse_args(shlex.split(" ".join(argv)))
    except SystemExit:
        return [f"`{token}`: not a valid leadsim command"]
    scenario = getattr(args, "scenario", None)
    if (
        args.command == "run"
        and scenario is not None
        and scenario not in scenarios
        and not (ROOT / scenario).exists()
    ):
        return [f"`{token}`: {scenario} is not a shipped scenario"]
    return []


def resolves(dotted: str) -> bool:
    """Whether ``leadsim.a.b.C.d`` names a module, or an attribute of one."""
    parts = dotted.rstrip("()").split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


def normalise(text: str) -> str:
    """Text for verbatim comparison: one kind of quote mark, no hyphens, single spaces."""
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))
    text = re.sub(r"-\s*\n\s*", "", text).replace("-", "")
    return " ".join(text.split())


def seed_texts() -> list[str] | None:
    """The two source texts, if they are found beside the repository (or $LEADSIM_SEEDS)."""
    candidates = [
        os.environ.get("LEADSIM_SEEDS", ""),
        ROOT / "seeds",
        ROOT.parent / "shared" / "seeds",
    ]
    for folder in candidates:
        if not folder:
            continue
        files = sorted(Path(folder).glob("00[04]_*.txt"))
        if len(files) == 2:
            return [normalise(path.read_text(encoding="utf-8")) for path in files]
    return None


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", MATERIALS, ids=lambda p: p.name)
def test_every_backticked_name_exists(path):
    known, scenarios = known_names(), shipped()
    problems = [
        problem
        for token in backticked(read(path))
        for problem in problems_with(token, known, scenarios)
    ]
    assert problems == [], f"{path.relative_to(ROOT)}:\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("path", MATERIALS, ids=lambda p: p.name)
def test_scenarios_are_named_as_the_picker_shows_them(path):
    scenarios = shipped()
    for found in SCENARIO_REF.finditer(read(path)):
        name, title = found.group("name"), found.group("title")
        assert name in scenarios, f"{path.name}: {name} is not a shipped scenario"
        assert title == scenarios[name], (
            f"{path.name}: the picker shows {name} as {scenarios[name]!r}, not {title!r}"
        )


def shown_in(folder: Path, suffixes: tuple[str, ...]) -> str:
    """Every source file of ``folder`` with one of ``suffixes``, as one lower-case text."""
    return " ".join(
        part.read_text(encoding="utf-8")
        for part in sorted(folder.iterdir())
        if part.suffix in suffixes
    ).lower()


def missing_labels(text: str, source: str) -> list[str]:
    """The <kbd> labels of ``text`` that ``source`` does not show."""
    missing = []
    for found in KBD.finditer(text):
        label = found.group("label").split(":")[0].strip().lower()
        if label not in source:
            missing.append(found.group("label"))
    return missing


def plans(text: str) -> tuple[str, str]:
    """The guide's first plan (the dashboard's) and its second (a workshop room's)."""
    first, _, second = text.partition(f"## {ROOM_PLAN}")
    assert second, f"docs/workshop.md: no section '## {ROOM_PLAN}'"
    return first, second


@pytest.mark.parametrize("path", MATERIALS, ids=lambda p: p.name)
def test_dashboard_labels_exist(path):
    text, room = read(path), ""
    if path == WORKSHOP:
        text, room = plans(text)
    missing = missing_labels(text, shown_in(DASHBOARD, (".py", ".vue")))
    assert missing == [], f"{path.name}: labels the dashboard does not show: {sorted(set(missing))}"
    missing = missing_labels(room, shown_in(ROOM_PAGES, (".html", ".js")))
    assert missing == [], (
        f"{path.name}: labels the room's pages do not show: {sorted(set(missing))}"
    )


@pytest.mark.parametrize("path", MATERIALS, ids=lambda p: p.name)
def test_quotations_are_verbatim(path):
    quotes = [found.group("text") for found in QUOTE.finditer(read(path))]
    seeds = seed_texts()
    if seeds is None:  # fall back on the ODD's verbatim passages, themselves from the seeds
        odd = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")
        seeds = [normalise(found.group("text")) for found in QUOTE.finditer(odd)]
    unfound = [quote for quote in quotes if not any(normalise(quote) in seed for seed in seeds)]
    assert unfound == [], f"{path.name}: not verbatim in the source texts: {unfound}"


def test_about_has_the_info_tab_headings_in_order():
    headings = re.findall(r"^## (.+?)\s*$", read(ABOUT), re.M)
    assert tuple(headings) == INFO_HEADINGS


def test_about_describes_every_control_policy_approach_and_live_event():
    about = read(ABOUT)
    use = section(about, "HOW TO USE IT")
    missing = [c.label for c in CONTROLS if c.label.lower() not in use.lower()]
    assert missing == [], f"HOW TO USE IT does not describe the controls {missing}"
    works = section(about, "HOW IT WORKS")
    for name in (*POLICIES, *APPROACHES, *(kind for kind in EVENT_KINDS if kind != "set")):
        assert f"`{name}`" in works, f"HOW IT WORKS does not name `{name}`"


def test_about_policy_table_matches_the_code():
    works = section(read(ABOUT), "HOW IT WORKS")
    rows = re.findall(r"^\|\s*`([a-z_]+)`\s*\|((?:[^|\n]*\|){4})", works, re.M)
    table = {
        name: [float(re.search(r"\d+(?:\.\d+)?", cell).group()) for cell in cells.split("|")[:4]]
        for name, cells in rows
        if name in POLICIES
    }
    assert set(table) == set(POLICIES), "HOW IT WORKS needs one table row per policy"
    settings = ("final_target", "containment", "role_clarity", "heroic_identification")
    for policy, values in table.items():
        assert values == [POLICIES[policy][s] for s in settings], policy


def test_about_points_to_extension_related_work_and_credits():
    about = read(ABOUT)
    extending = section(about, "EXTENDING THE MODEL")
    assert "`src/leadsim/engine/extensions.py`" in extending
    related = section(about, "RELATED MODELS")
    for work in ("virus_on_network", "NetLogo", "Granovetter", "DeGroot"):
        assert work in related, f"RELATED MODELS does not cite {work}"
    credits = section(about, "CREDITS AND REFERENCES")
    for work in ("seed 000", "seed 004", "Grimm", "2020", "ODD"):
        assert work.lower() in credits.lower(), f"CREDITS AND REFERENCES does not cite {work}"


def check_plan(text: str, minutes: int) -> None:
    """The timed sections of a plan follow on from 0 to ``minutes``, as its overview table says."""
    blocks = [(int(m.group("start")), int(m.group("end"))) for m in MINUTES.finditer(text)]
    assert len(blocks) >= 5, "the session plan needs at least five timed blocks"
    assert blocks[0][0] == 0 and blocks[-1][1] == minutes, blocks
    for (_, end), (start, _) in itertools.pairwise(blocks):
        assert start == end, f"gap or overlap in the plan at minute {end}: {blocks}"
    assert all(end > start for start, end in blocks), blocks
    assert sum(end - start for start, end in blocks) == minutes
    overview = [(int(m.group("start")), int(m.group("end"))) for m in PLAN_ROW.finditer(text)]
    assert overview == blocks, "the overview table and the timed sections disagree"


def test_workshop_plan_adds_up_to_sixty_minutes():
    check_plan(plans(read(WORKSHOP))[0], 60)


def test_the_room_plan_adds_up_to_the_minutes_it_states():
    room = plans(read(WORKSHOP))[1]
    stated = re.search(r"\*\*Who and how long\.\*\* (\d+) minutes", room)
    assert stated, "the room plan says how long it takes ('**Who and how long.** N minutes')"
    check_plan(room, int(stated.group(1)))


def test_workshop_ties_each_mechanism_to_the_sources():
    sources = section(read(WORKSHOP), "How the model's mechanisms connect to the source texts")
    for mechanism in (
        "Containment",
        "Projection",
        "Reversion",
        "Hybrid leadership",
        "Cycles of reflection",
        "Leaders' learning groups",
    ):
        block = re.search(rf"^### {re.escape(mechanism)}\b(.*?)(?=^### |\Z)", sources, re.S | re.M)
        assert block, f"no subsection for {mechanism}"
        assert QUOTE.search(block.group(1)), f"{mechanism}: no verbatim passage from a seed"
        assert re.search(r"seed 00[04]", block.group(1)), f"{mechanism}: the seed is not named"


def test_five_exercises_each_with_its_parts():
    text = read(EXERCISES)
    heads = list(EXERCISE.finditer(text))
    assert [int(h.group("number")) for h in heads] == [1, 2, 3, 4, 5]
    predicting = 0
    for k, head in enumerate(heads):
        rest = text[head.end() :]
        following = re.search(r"^## ", rest, re.M)
        body = rest[: following.start()] if following else rest
        marks = {part: body.find(f"**{part}") for part in (*PARTS, "Predict")}
        for part in PARTS:
            assert marks[part] >= 0, f"exercise {k + 1} has no **{part}** part"
        order = [marks[part] for part in PARTS]
        assert order == sorted(order), f"exercise {k + 1}: parts out of order {PARTS}"
        if marks["Predict"] >= 0:
            predicting += 1
            assert marks["Predict"] < marks["Change"], f"exercise {k + 1}: predict before changing"
    assert predicting >= 1, "at least one exercise must ask students to predict before running"
