"""Where sweep points run: any :class:`concurrent.futures.Executor`.

The engine only calls ``executor.submit(simulate_point, task)``; so a sweep runs on

* ``threads`` (default): a thread pool sized to the cores; each thread drives one
  ``ngspice -b`` subprocess, so the GIL is released while ngspice works. On 2 cores
  (bench/sweep_throughput.py, 48 points of ~65 ms) threads and processes were equal within
  the machine's noise: 1.76–1.95× vs 1.84–1.96× the 1-worker sweep over three runs. Threads
  are the default because nothing is pickled: a testbench's own ``measure()`` closure and
  measures defined in a script work, and there is no interpreter per worker;
* ``processes``: a process pool (for heavy Python measures);
* a Dask cluster: ``dask_executor("tcp://host:8786")`` or ``dask_executor(client)``
  (``client.get_executor()``); workers need circuitsnn and ngspice installed. Waveforms travel
  back as compressed bytes, so workers need no shared file system.

:func:`simulate_point` is the unit of work: it simulates one deck with the simulator's timeout,
computes the measures, packs the waveforms and never raises — a failing, non-converging or hung
point comes back as ``status="failed"`` with the error class and message.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..errors import CircuitSNNError, SimulationError, ValidationError
from ..spice.ir import Deck
from .store import Outcome, result_to_bytes

EXECUTOR_KINDS = ("threads", "processes")
MAX_REASON = 2000


@dataclass(frozen=True)
class PointTask:
    """Everything a worker needs for one point (picklable)."""

    key: str
    deck: Deck
    timeout: float
    save: tuple[str, ...] | None  # signals to keep; None: all; (): none
    measures: tuple[tuple[str, Callable[..., float], Mapping[str, Any], str], ...]  # name, func, args, unit
    measures_sig: str
    run_root: str | None = None
    #: the folders trusted for includes where the sweep was planned (``--trust``, a PDK's model
    #: folder): a worker process started fresh (Dask, spawn) has not trusted them itself
    trusted: tuple[str, ...] = ()


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def make_executor(kind: str = "threads", workers: int | None = None) -> cf.Executor:
    """A local executor: ``threads`` (default) or ``processes``, ``workers`` defaults to the
    number of usable cores."""
    workers = workers or default_workers()
    if workers < 1:
        raise ValidationError(f"workers must be >= 1, got {workers}.")
    if kind == "threads":
        return cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep")
    if kind == "processes":
        return cf.ProcessPoolExecutor(max_workers=workers)
    raise ValidationError(f"unknown executor {kind!r}.", hint=f"Use one of {', '.join(EXECUTOR_KINDS)}, or --dask ADDRESS.")


def dask_executor(scheduler: Any) -> tuple[cf.Executor, int, Callable[[], None]]:
    """``(executor, n_workers_threads, close)`` for a Dask scheduler address or ``Client``."""
    try:
        from distributed import Client
    except ImportError:
        raise ValidationError("Dask is not installed.", hint="pip install 'circuitsnn[dask]' (dask[distributed]).") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ValidationError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}.", hint="Check the address (tcp://host:8786) and that `dask scheduler` runs.") from None
    else:
        client = scheduler
    nthreads = sum(client.nthreads().values()) or 1
    executor = client.get_executor(pure=False)

    def close() -> None:
        if own:
            client.close()

    return executor, nthreads, close


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CircuitSNNError):
        text = exc.message
        if exc.hint:
            text += f" ({exc.hint})"
        if isinstance(exc, SimulationError) and (exc.stdout or exc.stderr):
            text += " | ngspice: " + exc.output_excerpt(4).replace("\n", " | ")
    else:
        text = str(exc) or repr(exc)
    return text[:MAX_REASON]


def compute_measures(result: Any, measures: Sequence[tuple[str, Callable[..., float], Mapping[str, Any], str]]) -> tuple[dict[str, float], dict[str, str]]:
    """Every measure of one result; a measure that raises gives NaN and its reason."""
    values: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name, func, args, _unit in measures:
        try:
            values[name] = float(func(result, **args))
        except Exception as exc:  # one bad measure must not lose the simulation
            values[name] = math.nan
            errors[name] = f"{type(exc).__name__}: {_reason(exc)}"
    return values, errors


def simulate_point(task: PointTask) -> Outcome:
    """Simulate one point; never raises (failures come back as ``status="failed"``)."""
    from ..spice.batch import BatchSimulator

    started = time.time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    units = {name: unit for name, _f, _a, unit in task.measures}
    try:
        sim = BatchSimulator(timeout=task.timeout, run_root=task.run_root, trusted_dirs=task.trusted)
        result = sim.run(task.deck, timeout=task.timeout)
    except Exception as exc:
        return Outcome(
            task.key, "failed", type(exc).__name__, _reason(exc), started, time.time(), time.time() - started,
            worker=worker, measures_sig=task.measures_sig, units=units,
        )
    values, errors = compute_measures(result, task.measures)
    wave = None if task.save == () else result_to_bytes(result, task.save)
    return Outcome(
        task.key, "done", "", "", started, time.time(), result.elapsed, result.ngspice_version, wave,
        values, errors, task.measures_sig, units, worker,
    )


def run_root_for(folder: Path) -> str:
    return str(Path(folder).resolve() / "runs")
