"""The ``shared`` back-end: libngspice inside a supervised worker process.

Why a worker: libngspice keeps global state, two threads on one instance segfault, a ``quit``
(exit callback) leaves it unusable, and a foreground run cannot be interrupted. So the library
lives in a child process (a fresh interpreter, fork+exec, safe when the parent has threads) that
serves one run at a time over a :func:`multiprocessing.Pipe`, and the parent replaces that
process whenever it crashes (segfault, killed), hits the exit callback, or times out. Reusing the
worker is the point: about 1 ms of fixed cost per run instead of about 8 ms for ``ngspice -b``.

What the worker does per run: ``ngSpice_Circ`` (the deck's lines), ``bg_run``, wait (the
background-thread callback wakes it; polling as a fallback), ``bg_halt`` at the timeout, read
every vector of every plot the run made through ``ngSpice_AllPlots``/``ngSpice_AllVecs``/
``ngGet_Vec_Info``, then ``destroy all`` + ``remcirc`` so memory stays flat. libngspice returns 0
on most failures, so errors come from the message text (:func:`diagnose`) and from the last time
point reaching t_stop (:func:`check_tran_complete`), as the shared notes recommend.

Decks with ``.control`` blocks are always refused here (a ``quit`` in one kills the library);
use the batch back-end with ``allow_control=True`` for trusted decks that need them.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import (
    ConvergenceError,
    SimulationError,
    SimulationTimeout,
    SimulatorCrashed,
    SimulatorMissing,
    UnsafeDeckError,
)
from . import _libngspice as _ng
from . import runs
from .diagnose import diagnose, error_lines, measure_failures, measure_names, measurements, without_meas_failures
from .ir import Analysis
from .load import TextDeck, load_text, scan_text
from .rawfile import make_plot
from .result import Plot, Result
from .simulator import DeckLike, Simulator, check_tran_complete, label_sweep_axis, prepare

DEFAULT_TIMEOUT = 120.0
#: Seconds the worker may need after the timeout (``bg_halt`` plus collecting) before the parent
#: kills it.
HALT_GRACE = 5.0
#: Seconds a fresh worker may take to import, load the library and read spinit.
START_TIMEOUT = 60.0

LIBRARY_HINT = (
    "Install the shared library: `apt-get install -y ngspice libngspice0` (Debian/Ubuntu), or set "
    "NGSPICE_LIBRARY_PATH to libngspice.so; or use the batch back-end (backend='batch')."
)
_ANALYSIS = {"tran": "tran", "dc": "dc", "op": "op", "ac": "ac", "noise": "noise", "tf": "tf", "sens": "sens", "pz": "pz", "disto": "disto", "pss": "pss", "sp": "sp"}
_PLOTNAME = {
    "tran": "Transient Analysis", "dc": "DC transfer characteristic", "op": "Operating Point",
    "ac": "AC Analysis", "pz": "Pole-Zero Analysis", "tf": "Transfer Function",
    "sens": "Sensitivity Analysis", "disto": "DISTORTION - ", "pss": "Time Domain Periodic Steady State Analysis",
    "sp": "S-Parameters analysis",
}


@functools.lru_cache(maxsize=8)
def _library(path_env: str | None) -> str | None:
    return _ng.find_library()


def library_path() -> str | None:
    """The libngspice this back-end will load (see :func:`_libngspice.library_candidates`)."""
    return _library(os.environ.get("NGSPICE_LIBRARY_PATH"))


class _Worker:
    """One worker process and the parent's end of its pipe.

    The worker is ``python -P .../_libngspice.py FD LIBRARY HOME`` started with
    :class:`subprocess.Popen` (fork+exec: safe when the parent has threads) and talks over one end
    of a :func:`multiprocessing.Pipe` passed as a file descriptor. Not ``multiprocessing.Process``
    with ``spawn``: that re-imports the parent's main script in every worker (1.5 s when the
    script imports torch), needs the ``if __name__ == "__main__"`` guard, fails for scripts read
    from stdin, and refuses to start from daemonic ``multiprocessing.Pool`` workers.
    """

    def __init__(self, library: str) -> None:
        self.home = tempfile.mkdtemp(prefix="circuitsnn-shared-")
        self.conn, child = multiprocessing.Pipe(duplex=True)
        fd = child.fileno()
        with open(os.path.join(self.home, "worker.log"), "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-P", _ng.__file__, str(fd), library, self.home],
                cwd=self.home,
                pass_fds=(fd,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl-C reaches the parent only; it replaces the worker
            )
        child.close()  # so the parent sees EOF when the worker dies
        self.pid = self.proc.pid
        self.version = "unknown"
        self.ready = False
        self.died = False
        self.owner = os.getpid()
        self._finalizer = weakref.finalize(self, _kill, self.proc, self.conn, self.home, self.owner)

    def wait_ready(self) -> None:
        if self.ready:
            return
        reply = self.receive(START_TIMEOUT)
        if reply is None or reply[0] != "ready":
            detail = reply[1] if reply and reply[0] == "failed" else self.log_tail()
            self.kill()
            raise SimulatorMissing(
                f"the libngspice worker did not start: {detail or 'no message'}", hint=LIBRARY_HINT
            )
        _, _pid, self.version = reply
        self.ready = True

    def receive(self, timeout: float | None) -> tuple | None:
        """The worker's next reply; None when it died (EOF) or did not answer within ``timeout``."""
        try:
            if not self.conn.poll(timeout):
                return None
            return self.conn.recv()
        except (EOFError, OSError):
            pass
        self.died = True
        try:
            self.proc.wait(5.0)  # reap it, for the exit code
        except subprocess.TimeoutExpired:
            pass
        return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run_log(self) -> tuple[str, str]:
        """The current run's messages as the worker streamed them (survives a crash)."""
        out, err = [], []
        try:
            text = Path(self.home, "run.log").read_text(errors="replace")
        except OSError:
            return "", ""
        for line in text.splitlines():
            stream, _, msg = line.partition(" ")
            (err if stream == "stderr" else out).append(msg)
        return "\n".join(out), "\n".join(err)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = Path(self.home, "worker.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def rss_bytes(self) -> int:
        """Resident memory of the worker process (Linux ``/proc/<pid>/status`` VmRSS)."""
        with open(f"/proc/{self.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise OSError("VmRSS not found")

    def stop(self) -> None:
        if self.owner != os.getpid():
            return
        if self.alive():
            try:
                self.conn.send(("stop",))
                self.proc.wait(2.0)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        self._finalizer()


def _kill(proc: subprocess.Popen, conn: Any, home: str, owner: int) -> None:
    if os.getpid() != owner:
        return  # a forked copy of the parent: the worker belongs to the parent, leave it alone
    if proc.poll() is None:
        try:
            proc.kill()
            proc.wait(5.0)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        conn.close()
    except OSError:
        pass
    shutil.rmtree(home, ignore_errors=True)


class SharedSimulator(Simulator):
    """Runs decks through libngspice in one reused, supervised worker process.

    Use as a context manager (or call :meth:`close`) so the worker is stopped. Safe to share
    between threads of the parent (runs are serialised); for parallel runs, make one simulator
    per thread or process — each has its own worker.

    Args:
        library: path to libngspice (default: ``$NGSPICE_LIBRARY_PATH``, the linker's search,
            then ``/usr/lib/x86_64-linux-gnu/libngspice.so.0``).
        run_root: where run directories are made (default: the system temp folder).
        timeout: seconds before a run is halted (``bg_halt``) and the worker replaced.
        keep: keep run directories of successful runs too (failed ones are always kept). A run
            directory holds ``deck.cir``, ``stdout.txt`` and ``stderr.txt``.
        trusted_dirs: the load policy for decks given as files.
        allow_control: must stay False: ``.control`` blocks are never run in shared mode.
        halt_grace: seconds after the timeout before the worker is killed outright.
    """

    name = "shared"

    def __init__(
        self,
        library: str | Path | None = None,
        run_root: str | Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        keep: bool = False,
        trusted_dirs: Iterable[str | Path] = (),
        allow_control: bool = False,
        halt_grace: float = HALT_GRACE,
    ) -> None:
        if allow_control:
            raise UnsafeDeckError(
                "the shared back-end never runs .control blocks: a 'quit' in one kills the library.",
                hint="Use the batch back-end (backend='batch') with allow_control=True for trusted decks.",
            )
        self.library = str(library) if library else None
        self.run_root = Path(run_root) if run_root else None
        self.timeout = timeout
        self.keep = keep
        self.trusted_dirs = tuple(trusted_dirs)
        self.halt_grace = halt_grace
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self.restarts = 0  # workers replaced after a crash, exit or timeout

    # -- the interface -------------------------------------------------------------------------

    @classmethod
    def available(cls) -> bool:
        return library_path() is not None

    def version(self) -> str:
        with self._lock:
            return self._ensure_worker().version

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None

    def __enter__(self) -> "SharedSimulator":
        return self

    def __getstate__(self) -> dict:
        # A copy (e.g. sent to another process) starts its own worker.
        state = self.__dict__.copy()
        state["_worker"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def worker_pid(self) -> int:
        """The pid of the worker process (starting one if none is running)."""
        with self._lock:
            return self._ensure_worker().pid

    def worker_rss(self) -> int:
        """Resident memory of the worker process in bytes (Linux)."""
        with self._lock:
            return self._ensure_worker().rss_bytes()

    def run(
        self,
        deck: DeckLike,
        *,
        analyses: Sequence[Analysis] | None = None,
        timeout: float | None = None,
        keep: bool | None = None,
    ) -> Result:
        try:
            prepared = prepare(deck, analyses, trusted_dirs=self.trusted_dirs, allow_control=False)
            if isinstance(deck, TextDeck) and deck.allow_control:
                # Loaded with .control allowed: check it again, included files too, no exception.
                load_text(prepared.text, trusted_dirs=deck.trusted_dirs, allow_control=False, where=f"deck {prepared.title!r}")
            else:
                scan_text(prepared.text, f"deck {prepared.title!r}", allow_control=False, has_title=True)
        except UnsafeDeckError as exc:
            if not re.search(r"\.control|\.exec|shell", exc.message):
                raise  # e.g. an include outside the trusted folders: the loader's hint is right
            raise UnsafeDeckError(
                exc.message + " The shared back-end never runs .control blocks or shell commands "
                "(a 'quit' there kills the library).",
                hint="Remove the block (circuitsnn runs the analyses itself), or run this trusted deck "
                "with the batch back-end and allow_control=True (--backend batch --allow-control).",
            ) from None
        timeout = self.timeout if timeout is None else timeout
        keep = self.keep if keep is None else keep
        lines = prepared.text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
        with self._lock:
            worker = self._ensure_worker()
            t0 = time.perf_counter()
            try:
                worker.conn.send(("run", lines, float(timeout)))
                reply = worker.receive(None if math.isinf(timeout) else timeout + self.halt_grace)
            except OSError:
                reply = None
            except BaseException:
                # e.g. KeyboardInterrupt: the worker's reply would be read by the next run
                self._replace(worker)
                raise
            elapsed = time.perf_counter() - t0
            if reply is None:
                self._fail_dead_worker(worker, prepared, timeout, elapsed)
            if reply[0] == "exited":
                _, stdout, stderr = reply
                self._replace(worker)
                workdir = self._workdir(prepared.text, stdout, stderr)
                raise SimulatorCrashed(
                    f"libngspice called its exit callback while running {prepared.title!r}"
                    + _first_error(stdout, stderr) + "; the worker was replaced.",
                    hint="A 'quit' or a fatal ngspice error ends the library; read the output attached.",
                    stdout=stdout,
                    stderr=stderr,
                    workdir=workdir,
                )
            if reply[0] == "failed":
                self._replace(worker)
                raise SimulatorCrashed(
                    f"the libngspice worker failed on {prepared.title!r}: {reply[1]}; it was replaced.",
                    hint="Run the kept deck with `ngspice -b deck.cir` to compare.",
                    workdir=self._workdir(prepared.text, "", reply[1]),
                )
            _, circ_rc, timed_out, raw_plots, stdout, stderr = reply
            if timed_out:
                self._replace(worker)
                raise SimulationTimeout(
                    f"ngspice ran longer than {timeout:g} s on {prepared.title!r} and was halted; "
                    "the worker was replaced.",
                    hint="Raise the timeout, shorten the analysis, or look for a runaway circuit.",
                    stdout=stdout,
                    stderr=stderr,
                    workdir=self._workdir(prepared.text, stdout, stderr),
                )
            version = worker.version
        plots = tuple(_plot(name, vecs) for name, vecs in raw_plots)
        text = f"{stdout}\n{stderr}"
        notes = measure_failures(text)
        meas = measurements(stdout, measure_names(prepared.text))
        found = diagnose(without_meas_failures(stdout), without_meas_failures(stderr), failed=circ_rc != 0 or not plots)
        if found is not None:
            kwargs = {"time_reached": found.time_reached} if found.time_reached is not None else {}
            raise found.error(
                found.message, hint=found.hint, **kwargs, stdout=stdout, stderr=stderr,
                workdir=self._workdir(prepared.text, stdout, stderr),
            )
        if not plots:
            raise SimulationError(
                f"ngspice produced no results for {prepared.title!r}.",
                hint="Does the deck have an analysis? Run the kept deck with `ngspice -b deck.cir`.",
                stdout=stdout,
                stderr=stderr,
                workdir=self._workdir(prepared.text, stdout, stderr),
            )
        result = Result(
            plots=plots,
            title=prepared.title,
            backend=self.name,
            ngspice_version=version,
            stdout=stdout,
            stderr=stderr,
            elapsed=elapsed,
            workdir=None,
            notes=notes,
            measurements=meas,
        )
        label_sweep_axis(result, prepared)
        try:
            check_tran_complete(result, prepared.tran_stop, autostop=prepared.autostop)
        except ConvergenceError as exc:
            raise ConvergenceError(
                exc.message, hint=exc.hint, time_reached=exc.time_reached, stdout=stdout, stderr=stderr,
                workdir=self._workdir(prepared.text, stdout, stderr),
            ) from None
        if keep:
            result.workdir = self._workdir(prepared.text, stdout, stderr, failed=False)
        return result

    # -- internals -----------------------------------------------------------------------------

    def _ensure_worker(self) -> _Worker:
        if self._worker is not None and self._worker.owner != os.getpid():
            self._worker = None  # inherited through fork: the parent's worker, not ours
        if self._worker is None or not self._worker.alive():
            if self._worker is not None:
                self._worker.kill()
                self.restarts += 1
            library = self.library or library_path()
            if library is None:
                tried = ", ".join(_ng.library_candidates())
                raise SimulatorMissing(f"libngspice was not found (tried {tried}).", hint=LIBRARY_HINT)
            self._worker = _Worker(library)
        self._worker.wait_ready()
        return self._worker

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a fresh one now (it boots while the caller handles the
        error; the next run waits for it)."""
        worker.kill()
        self.restarts += 1
        library = self.library or library_path()
        self._worker = _Worker(library) if library else None

    def _fail_dead_worker(self, worker: _Worker, prepared: Any, timeout: float, elapsed: float) -> None:
        """The worker died, or never answered within timeout + grace: kill, replace, raise."""
        was_alive = not worker.died and worker.alive()
        stdout, stderr = worker.run_log()
        tail = worker.log_tail()
        if was_alive:
            self._replace(worker)
            raise SimulationTimeout(
                f"ngspice ran longer than {timeout:g} s on {prepared.title!r} and did not stop when "
                "halted; the worker process was killed and replaced.",
                hint="Raise the timeout, shorten the analysis, or look for a runaway circuit.",
                stdout=stdout,
                stderr=stderr,
                workdir=self._workdir(prepared.text, stdout, stderr),
            )
        code = worker.proc.poll()
        self._replace(worker)
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with status {code}"
        if tail:
            stderr = (stderr + "\n" + tail).strip()
        raise SimulatorCrashed(
            f"the libngspice worker {how} while running {prepared.title!r} after {elapsed:.3g} s"
            + _first_error(stdout, stderr) + "; the worker was replaced.",
            hint="Run the kept deck with `ngspice -b deck.cir` to reproduce; the batch back-end "
            "isolates each run.",
            stdout=stdout,
            stderr=stderr,
            workdir=self._workdir(prepared.text, stdout, stderr),
        )

    def _workdir(self, text: str, stdout: str, stderr: str, failed: bool = True) -> Path:
        """A run directory with the deck and the captured output, kept for the user: a failure
        (capped, see :mod:`circuitsnn.spice.runs`) or, with ``keep``, a success (never deleted)."""
        workdir = runs.new_run_dir(self.run_root)
        (workdir / "deck.cir").write_text(text)
        runs.write_output(workdir, stdout, stderr)
        if failed:
            runs.keep_failed(workdir)
        else:
            runs.mark_kept(workdir)
        return workdir

    def _raw_command(self, command: str) -> tuple:
        """Send one ngspice command to the worker (tests only: e.g. ``quit`` to exercise the
        exit-callback path). Returns the worker's reply; replaces the worker if it exited."""
        with self._lock:
            worker = self._ensure_worker()
            try:
                worker.conn.send(("cmd", command))
                reply = worker.receive(self.timeout)
            except BaseException:
                self._replace(worker)
                raise
            if reply is None or reply[0] != "done":
                self._replace(worker)
            return reply


def _first_error(stdout: str, stderr: str) -> str:
    lines = error_lines(f"{stderr}\n{stdout}", limit=1)
    return f" ({lines[0]})" if lines else ""


#: ngspice's ``enum simulation_types`` (sim.h), as the raw file spells them.
_SV_NAMES = (
    "notype", "time", "frequency", "voltage", "current", "voltage-density", "current-density",
    "sqr-voltage-density", "sqr-current-density", "sqr-voltage", "sqr-current", "pole", "zero",
    "s-param", "temp-sweep", "res-sweep", "impedance", "admittance", "power", "phase", "decibel",
    "capacitance", "charge",
)


def _plot(typename: str, vecs: list[tuple[str, int, np.ndarray]]) -> Plot:
    """A :class:`Plot` named exactly as the raw-file reader names it (same keys, units, same-name
    disambiguation), from libngspice's vectors of the plot ``typename`` (``tran1``, ``ac1``)."""
    kind = typename.rstrip("0123456789").lower()
    types = [_SV_NAMES[sv] if 0 <= sv < len(_SV_NAMES) else "notype" for _, sv, _ in vecs]
    if kind == "noise":
        plotname = "Noise Spectral Density Curves" if "frequency" in types else "Integrated Noise"
    else:
        plotname = _PLOTNAME.get(_ANALYSIS.get(kind, ""), typename)
    order = list(range(len(vecs)))
    scale = None
    if kind in ("tran", "pss"):
        scale = next((i for i, t in enumerate(types) if t == "time"), None)
    elif kind in ("ac", "noise", "disto", "sp"):
        scale = next((i for i, t in enumerate(types) if t == "frequency"), None)
    elif kind == "dc":
        # The swept source is the plot's first vector (v-sweep / i-sweep / temp-sweep / the source).
        scale = next((i for i, v in enumerate(vecs) if v[0].endswith("-sweep")), 0 if vecs else None)
    if scale is not None:
        order.remove(scale)
        order.insert(0, scale)
    variables = [(vecs[i][0], types[i], []) for i in order]
    return make_plot(plotname, variables, [np.asarray(vecs[i][2]) for i in order])
