"""Compile every GPU kernel of the engine to PTX, with no GPU: does it compile for a real card?

numba's CUDA simulator (what CI runs) executes the kernels as Python, so it cannot tell
whether numba's CUDA target compiles them: a rule that uses something the CUDA target
lacks would pass the simulator and fail on the first real GPU. This script records the
argument types of every launch that a short run of the GPU engine makes (nothing runs:
the arrays stay on the host), then compiles each kernel for those types to PTX with
NVVM, for the compute capability asked (default 9.0: an H100 or H200).

Needs NVVM (``pip install 'leadsim[gpu]'`` brings it), not a GPU or a driver::

    python benchmarks/gpu_ptx.py [--cc 9.0]

Prints JSON (each kernel: signatures, PTX characters, or its error); exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

import numpy as np


class _HostArray(np.ndarray):
    """A host array standing in for a device array (it has ``copy_to_host``)."""

    def copy_to_host(self, ary: np.ndarray | None = None) -> np.ndarray:
        if ary is None:
            return np.array(self)
        ary[...] = self
        return ary


def record_launches(weeks: int = 4) -> tuple[dict, dict]:
    """Run the GPU engine with every launch recorded, not run: {kernel: {signature}}, kernels."""
    from numba import cuda, typeof

    from leadsim.engine import gpu
    from leadsim.engine.core import Engine, RunSpec
    from leadsim.events import make_event
    from leadsim.params import Parameters

    seen: dict[str, set] = {}
    kernels = {
        name: value
        for name, value in vars(gpu).items()
        if name.startswith("_") and hasattr(value, "py_func")
    }

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def __getitem__(self, grid):
            def launch(*args):
                types = tuple(
                    typeof(np.asarray(a) if isinstance(a, np.ndarray) else a) for a in args
                )
                seen.setdefault(self.name, set()).add(types)

            return launch

    for name in kernels:
        setattr(gpu, name, Recorder(name))
    gpu.require = lambda: None
    saved = cuda.to_device, cuda.device_array  # the engine's allocations: host arrays here
    cuda.to_device = lambda a: np.array(a).view(_HostArray)
    cuda.device_array = lambda shape, dtype=np.float64: np.zeros(shape, dtype).view(_HostArray)
    cycles = Parameters(
        n_staff=12, department_size=4, approach="cycles", cycle_length=2, reflection_weeks=1,
        learning_group=True, meeting_interval=1,
    )  # fmt: skip
    runs = [
        RunSpec(
            cycles,
            seed=1,
            organisations=2,
            events=(make_event(1, "accountability_shock", size=1.0),),
        ),
        RunSpec(Parameters(n_staff=10, department_size=5, policy="adaptive"), seed=2),
    ]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            engine = Engine(runs, device="gpu")
            engine.run(weeks)
            _ = engine.records
        finally:
            cuda.to_device, cuda.device_array = saved
    return seen, kernels


def compile_all(cc: tuple[int, int]) -> dict[str, dict]:
    """Each kernel's PTX for ``cc``: {kernel: {"signatures": n, "ptx_chars": n} or {"error": …}}."""
    from numba import cuda
    from numba.cuda import dispatcher

    # device functions ask the current device for its compute capability: give ours
    dispatcher.get_current_device = lambda: type("Device", (), {"compute_capability": cc})()
    seen, kernels = record_launches()
    report: dict[str, dict] = {}
    for name, kernel in sorted(kernels.items()):
        signatures = seen.get(name, set())
        if not signatures:
            report[name] = {"error": "never launched by the engine's run"}
            continue
        try:
            size = 0
            for types in signatures:
                ptx, _ = cuda.compile_ptx(kernel.py_func, types, cc=cc)
                size += len(ptx)
            report[name] = {"signatures": len(signatures), "ptx_chars": size}
        except Exception as error:  # report every kernel, then fail
            report[name] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0]}"}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cc", default="9.0", help="compute capability (default 9.0)")
    args = parser.parse_args(argv)
    cc = tuple(int(x) for x in args.cc.split("."))
    report = compile_all(cc)
    print(json.dumps({"cc": ".".join(map(str, cc)), "kernels": report}, indent=2))
    return 1 if any("error" in entry for entry in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
