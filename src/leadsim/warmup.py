"""Ready what a first command would otherwise wait for: compiled kernels, and bytecode.

The engine's kernels are compiled by numba once per install, into a cache keyed by
leadsim's sources (:mod:`leadsim.engine.kernels`); :func:`warm_up` does it where the
user sees it, with a progress line. :func:`compile_bytecode` writes the bytecode of
every module a run imports where it is missing: Python skips writing it when
``PYTHONDONTWRITEBYTECODE`` is set (or a folder is read-only at the time), and would
then compile numba, scipy and pandas from source in every process.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


def warm_up(stream: TextIO | None = None) -> float:
    """Load the engine's compiled kernels, compiling them first if this install has not.

    Says so on ``stream`` (default stderr) when it compiles: a line, then one that
    counts the seconds when ``stream`` is a terminal. Returns the seconds it took.
    """
    stream = sys.stderr if stream is None else stream
    started = time.perf_counter()
    from leadsim.engine import kernels

    if kernels.CACHE_PROBLEM:
        print(f"leadsim: note: {kernels.CACHE_PROBLEM}", file=stream, flush=True)
    compiling = not kernels.cache_ready()
    done = threading.Event()
    if compiling:
        once = "once for this install" if kernels._CACHE_DIR else "in this process only"
        what = f"leadsim: compiling the engine's kernels, {once} (15-60 s)"
        print(what + ("" if stream.isatty() else " ..."), file=stream, flush=True)

        def tick() -> None:
            while not done.wait(1.0):
                elapsed = time.perf_counter() - started
                print(f"\r{what}: {elapsed:.0f} s", end="", file=stream, flush=True)

        if stream.isatty():
            threading.Thread(target=tick, daemon=True).start()
    try:
        import leadsim.engine.compiled  # noqa: F401 - readies every kernel on import
    finally:
        done.set()
    seconds = time.perf_counter() - started
    if compiling:
        end = "\n" if stream.isatty() else ""
        print(
            f"{end}leadsim: kernels compiled in {seconds:.0f} s, kept in "
            f"{kernels._CACHE_DIR or 'memory (this process only)'}",
            file=stream,
            flush=True,
        )
        if kernels._CACHE_DIR:  # once per install, as the kernels: what this process loaded
            compile_bytecode()
    return seconds


def compile_now() -> bool:
    """Whether a command should compile the kernels first, where the user sees it.

    True once per install (the cache has no kernels yet); False when they are cached,
    and False with no writable cache, where each process compiles anyway (a worker too).
    """
    from leadsim.engine import kernels

    return kernels._CACHE_DIR is not None and not kernels.cache_ready()


def compile_bytecode() -> int:
    """Write the missing or stale bytecode of the modules this process has loaded.

    Compiles each loaded module's source whose cached bytecode is missing or older (a
    folder that cannot be written is passed over); ``leadsim warm-up`` first imports
    what ``leadsim run --out`` uses. Returns how many it wrote.
    """
    import importlib.util
    import os
    import py_compile

    written = 0
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not source or not source.endswith(".py"):
            continue
        try:
            cached = importlib.util.cache_from_source(source)
            if os.path.exists(cached) and os.path.getmtime(cached) >= os.path.getmtime(source):
                continue
            py_compile.compile(source, cfile=cached, doraise=True)
        except (OSError, ValueError, py_compile.PyCompileError):
            continue
        written += 1
    return written
