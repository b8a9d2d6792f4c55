"""The GPU kernels (:mod:`leadsim.engine.gpu`) equal the CPU kernels, phase by phase.

numba's CUDA simulator runs them on the CPU: ``NUMBA_ENABLE_CUDASIM=1`` must be set
before ``numba.cuda`` is first imported, so the comparison runs in a fresh Python
process. There a tiny batch (three organisations of 12 staff: cycles with reflection
weeks, a leaders' learning group, a new head in week 5, an extension that makes the
engine tally its staff again) runs 12 weeks; every call the engine makes to a phase
kernel is intercepted: its arguments are copied, the CPU kernel runs on the engine's
arrays and the GPU kernel on the copies, and every array afterwards (outputs and
inputs) is compared. Inputs are the CPU's at each call, so a difference cannot carry
over from one phase to the next.

Tolerance: none. Discrete outputs (who is offered, leads, succeeds, fails, collides,
stays unresolved, reflects, ends a cycle; counts and histograms) must be identical, and
floats too (``FLOAT_TOLERANCE = 0``): under the simulator the device functions run as
Python on numpy float64 scalars, the operations the compiled CPU loop runs, in the same
order (as ``NUMBA_DISABLE_JIT=1`` does, which ``test_kernels.py`` checks bit for bit).
On a real GPU floats may differ in the last bits (fused multiply-adds, CUDA's ``exp``);
that comparison belongs to the docking test of a later slice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from leadsim.engine import gpu
from simulated_gpu import no_cuda, simulator

FLOAT_TOLERANCE = 0.0  # relative and absolute: the simulator must agree bit for bit

PHASES = gpu.LAUNCHERS  # every kernel the GPU engine launches is compared

_COMPARE = """
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")  # the uint64 hash wraps on purpose; host arrays on a device
from numba import config
assert config.ENABLE_CUDASIM
from leadsim.engine import Engine, RunSpec, gpu, kernels
from leadsim.events import make_event
from leadsim.params import Parameters

TOL = float(sys.argv[1])
PHASES = json.loads(sys.argv[2])
report = {name: {"calls": 0, "problems": [], "seen": {}} for name in PHASES}


def note(phase, key, value):
    seen = report[phase]["seen"]
    seen[key] = seen.get(key, 0) + int(value)


def same(phase, index, cpu, dev):
    if isinstance(cpu, np.ndarray):
        if cpu.shape != dev.shape or cpu.dtype != dev.dtype:
            return f"argument {index}: shape or type differs"
        if cpu.dtype.kind == "f" and TOL > 0:
            ok = np.allclose(dev, cpu, rtol=TOL, atol=TOL, equal_nan=True)
        else:
            ok = np.array_equal(dev, cpu, equal_nan=cpu.dtype.kind == "f")
        if not ok:
            where = np.argwhere(dev != cpu)[:3].tolist()
            return f"argument {index} ({cpu.dtype}) differs at {where}"
    elif cpu != dev:
        return f"result {cpu!r} != {dev!r}"
    return None


def intercept(name, launch, to_device=lambda args: args):
    cpu_kernel = getattr(kernels, name)

    def both(*args):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        result = cpu_kernel(*args)
        dev_result = launch(*to_device(copies))
        report[name]["calls"] += 1
        for index, (cpu, dev) in enumerate(zip(args, copies)):
            problem = same(name, index, cpu, dev)
            if problem:
                report[name]["problems"].append(problem)
        watch(name, args)
        return result

    setattr(kernels, name, both)


def watch(name, args):
    # what the phase decided, summed over the run: the comparison saw both outcomes
    if name == "offer_and_take_up":
        note(name, "offered", args[15].sum()); note(name, "leading", args[16].sum())
        note(name, "not offered", (~args[15]).sum())
    elif name == "outcomes":
        note(name, "succeeded", args[11].sum()); note(name, "failed", args[12].sum())
        note(name, "collisions", args[13].sum()); note(name, "unresolved", args[15].sum())
    elif name == "reflection_weeks":
        note(name, "reflecting", args[6].sum()); note(name, "not reflecting", (~args[6]).sum())
    elif name == "close_cycle_week":
        note(name, "cycle ends", args[11].sum())
    elif name == "lead":
        note(name, "support", (args[5] > 0).sum())
    elif name == "meet":
        note(name, "attended", args[9].sum()); note(name, "stayed away", (~args[9] & args[4]).sum())
    elif name == "replan":
        note(name, "replanned", args[0].sum())
    elif name == "update_staff":
        note(name, "led neighbours", args[17].sum())


for name in PHASES:
    intercept(name, getattr(gpu, name))


cycles = Parameters(
    n_staff=12, department_size=4, policy="integrated", approach="cycles", cycle_length=3,
    reflection_weeks=1, learning_group=True, meeting_interval=2, collision_rate=0.9,
    initial_distribution=0.6,
)
bold = Parameters(
    n_staff=12, department_size=6, policy="egalitarian", collision_rate=0.9,
    initial_distribution=0.7,
)
engine = Engine(
    [
        RunSpec(cycles, seed=5, organisations=2,
                events=[make_event(5, "leader_change", policy="adaptive", approach="cycles"),
                        make_event(7, "start_reflection")]),
        RunSpec(bold, seed=6, events=[make_event(2, "join_learning_group")]),
    ],
)
engine.run(12)
json.dump(report, sys.stdout)
"""


@pytest.fixture(scope="module")
def compared():
    env = simulator()
    done = subprocess.run(
        [sys.executable, "-c", _COMPARE, str(FLOAT_TOLERANCE), json.dumps(PHASES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("phase", PHASES)
def test_the_gpu_kernel_equals_the_cpu_kernel(compared, phase):
    result = compared[phase]
    assert result["calls"] > 0, f"{phase}: never called"
    assert result["problems"] == [], f"{phase}: {result['problems'][:5]}"
    # the comparison saw each decision go both ways
    assert all(count > 0 for count in result["seen"].values()), result["seen"]


def test_the_comparison_sees_every_kind_of_week(compared):
    seen = {key: n for phase in compared.values() for key, n in phase["seen"].items()}
    for key in ("offered", "not offered", "leading", "succeeded", "failed", "collisions",
                "unresolved", "reflecting", "not reflecting", "cycle ends", "support",
                "attended", "stayed away", "replanned"):  # fmt: skip
        assert seen.get(key, 0) > 0, key


_IMPORTS = """
import sys
import leadsim, leadsim.engine, leadsim.engine.kernels, leadsim.engine.core, leadsim.simulate
assert "numba.cuda" not in sys.modules, "numba.cuda imported"
print("ok")
"""


def test_the_engine_does_not_import_numba_cuda():
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


_REQUIRE = """
from leadsim.engine import gpu
try:
    gpu.require()
except RuntimeError as error:
    print(error)
else:
    print("no error")
"""


def test_without_cuda_require_says_so_in_one_line():
    env = no_cuda()
    done = subprocess.run(
        [sys.executable, "-c", _REQUIRE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("no CUDA GPU found")
    assert "set NUMBA_ENABLE_CUDASIM=1 to run the kernels on the CPU simulator" in lines[0]


_WHOLE_RUN = """
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from numba import config
assert config.ENABLE_CUDASIM
from leadsim.engine import Engine, RunSpec
from leadsim.engine.core import series_of, summaries_of
from leadsim.events import make_event
from leadsim.params import Parameters

cycles = Parameters(
    n_staff=12, department_size=4, policy="integrated", approach="cycles", cycle_length=3,
    reflection_weeks=1, learning_group=True, meeting_interval=2, collision_rate=0.9,
)
bold = Parameters(n_staff=10, department_size=5, policy="egalitarian", collision_rate=0.9)
runs = [
    RunSpec(cycles, seed=5, organisations=2,
            events=[make_event(4, "leader_change", policy="adaptive", approach="cycles"),
                    make_event(6, "accountability_shock", size=1.5),
                    make_event(3, "start_reflection"),
                    make_event(7, "set", containment=0.9, takeup_sharpness=7.0)]),
    RunSpec(bold, seed=6, events=[make_event(2, "join_learning_group")]),
]
engines = {device: Engine(runs, device=device) for device in ("cpu", "gpu")}
assert type(engines["gpu"]).__name__ == "DeviceEngine"
launches = {}
for name, launch in vars(engines["gpu"]._launchers).items():  # count what runs on the device
    def counted(*args, _launch=launch, _name=name):
        launches[_name] = launches.get(_name, 0) + 1
        return _launch(*args)
    setattr(engines["gpu"]._launchers, name, counted)
for engine in engines.values():
    engine.run(10)
cpu, gpu = engines["cpu"], engines["gpu"]
different, worst = [], 0.0


def compare(name, a, b):
    global worst
    if a.dtype.kind == "f":
        if not np.array_equal(np.isnan(a), np.isnan(b)):  # a NaN on one side only
            different.append(name)
        a, b = np.nan_to_num(a), np.nan_to_num(b)
        scale = np.maximum(np.abs(a), np.finfo(float).tiny)
        worst = max(worst, float(np.max(np.abs(a - b) / scale, initial=0.0)))
    elif not np.array_equal(a, b):
        different.append(name)


for name, values in series_of(cpu).items():
    compare(name, values, series_of(gpu)[name])
for name, values in summaries_of(cpu).items():
    compare("summary " + name, values, summaries_of(gpu)[name])
for name in ("anxiety", "trust", "authority", "leading", "recently_led", "history", "in_group",
             "cohesion", "target", "containment", "cycle_acts"):
    compare(name, np.asarray(getattr(cpu, name)), gpu.host(name))
if [(s, o, e.label()) for s, o, e in cpu.event_log] != [
    (s, o, e.label()) for s, o, e in gpu.event_log
]:
    different.append("event log")
json.dump({"different": different, "worst": worst, "weeks": gpu.t, "launches": launches}, sys.stdout)
"""


FLOATS_WHOLE_RUN = 1e-12  # relative: a few units in the last place, from exp (see below)


def test_an_engine_on_the_gpu_runs_the_cpu_engines_weeks():
    """Engine(device="gpu") under the simulator gives the CPU engine's run.

    Every discrete outcome (who led, the counts of acts, successes, collisions, who
    reverted and when, the events) is identical; floats agree within
    :data:`FLOATS_WHOLE_RUN` relative. Not bit for bit: under the simulator the rules
    run as Python on numpy scalars, and numpy's ``exp`` differs from the compiled
    loop's in the last bit or two (measured: at most 4e-16 relative over ten weeks,
    once an accountability shock makes pressure decay from above its baseline); a
    real GPU's ``exp`` and fused multiply-adds differ in the same way.
    """
    env = simulator()
    done = subprocess.run(
        [sys.executable, "-c", _WHOLE_RUN], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["different"] == [] and result["weeks"] == 10
    assert set(result["launches"]) == set(PHASES)
    assert all(n >= 10 for n in result["launches"].values())  # every phase, every week
    assert result["worst"] <= FLOATS_WHOLE_RUN


def test_an_unknown_device_is_one_line():
    from leadsim.engine import Engine, RunSpec
    from leadsim.params import Parameters

    with pytest.raises(
        ValueError, match=r"^device: 'tpu' is not a device; allowed: 'cpu' or 'gpu'$"
    ):
        Engine([RunSpec(Parameters(n_staff=6, department_size=3), seed=1)], device="tpu")


def _nvvm_here() -> bool:
    probe = "from numba.cuda.cudadrv import nvvm; nvvm.NVVM()"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=120)
    return done.returncode == 0


@pytest.mark.skipif(not _nvvm_here(), reason="no NVVM here (pip install 'leadsim[gpu]')")
def test_every_kernel_the_gpu_engine_launches_compiles_for_a_real_gpu():
    """The simulator runs kernels as Python; this compiles them as a GPU would (sm_90 PTX).

    It caught ``np.exp`` and ``np.floor`` in the rules, which numba's CUDA target lacks.
    """
    script = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "gpu_ptx.py")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    done = subprocess.run(
        [sys.executable, script], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
