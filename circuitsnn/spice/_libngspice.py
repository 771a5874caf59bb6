"""A small ctypes binding to libngspice (``sharedspice.h``) and the worker loop that drives it.

Only :mod:`circuitsnn.spice.shared` uses this module, and only inside a worker process: the
library keeps global state, two threads on one instance segfault, and a ``quit`` (the exit
callback) leaves it unusable, so each worker process holds exactly one instance and the parent
replaces the process when anything goes wrong. Run as a script
(``python -P _libngspice.py FD LIBRARY HOME``) this module *is* the worker; it imports only the
standard library and numpy, so a worker starts in a fraction of a second.

The binding covers what a batch-like run needs: ``ngSpice_Init`` (message, exit and
background-thread callbacks; no per-point data callbacks, which would cost time),
``ngSpice_Circ``, ``ngSpice_Command`` (``bg_run``/``bg_halt``/``destroy all``/``remcirc``),
``ngSpice_AllPlots``, ``ngSpice_AllVecs``, ``ngGet_Vec_Info`` and ``ngSpice_running``.

The worker speaks a tiny protocol over a :mod:`multiprocessing` connection:

* parent -> worker: ``("run", lines, timeout_s)``, ``("cmd", command)`` (tests only),
  ``("stop",)``;
* worker -> parent: ``("ready", pid, version)`` once, then one reply per request:
  ``("done", circ_rc, timed_out, plots, stdout, stderr)``, ``("exited", stdout, stderr)`` or
  ``("failed", message)``. ``plots`` is ``[(plot_type, [(vector_name, sv_type, array), ...])]``,
  oldest plot first, vectors in creation order (the scale first).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

#: Where Debian's ``libngspice0`` puts the library (it ships no ``libngspice.so`` symlink).
DEFAULT_LIBRARY = "/usr/lib/x86_64-linux-gnu/libngspice.so.0"

# sharedspice.h: enum simulation_types (the ones that name a unit)
SV_TIME, SV_FREQUENCY, SV_VOLTAGE, SV_CURRENT = 1, 2, 3, 4
VF_COMPLEX = 2
#: How long ``bg_halt`` may take; ngspice itself gives up after 100 x 10 ms.
HALT_WAIT_S = 2.0
#: Poll interval while a background run is going (the callback usually wakes us first).
POLL_S = 0.05


def library_candidates() -> list[str]:
    """Where to look for libngspice: ``$NGSPICE_LIBRARY_PATH`` alone when it is set (an explicit
    choice is never silently replaced), else the linker's search (``ctypes.util.find_library``),
    then Debian's path."""
    env = os.environ.get("NGSPICE_LIBRARY_PATH")
    if env:
        return [env]
    out = []
    found = ctypes.util.find_library("ngspice")
    if found:
        out.append(found)
    out.append(DEFAULT_LIBRARY)
    return out


def find_library() -> str | None:
    """The first candidate that loads, or None. Loading it runs no ngspice code (no init)."""
    for cand in library_candidates():
        try:
            ctypes.CDLL(cand)
        except OSError:
            continue
        return cand
    return None



#: The run log beside the worker stops growing here (the messages themselves stay bounded too).
LOG_LIMIT = 10_000_000
_KEYWORDS = ("error", "warning", "fatal", "abort", "fail", "too small", "singular", "not found",
             "can't", "cannot", "unknown", "measure", "autostop", "no such", "=")


class _Lines:
    """ngspice's messages of one run, bounded: the first and last lines, and the lines that
    matter (errors, warnings, ``name = value``) from the part in between."""

    HEAD, TAIL, MATCHED = 2000, 4000, 1000

    def __init__(self) -> None:
        import collections

        self.head: list[str] = []
        self.tail: collections.deque[str] = collections.deque(maxlen=self.TAIL)
        self.matched: collections.deque[str] = collections.deque(maxlen=self.MATCHED)
        self.count = 0

    def append(self, line: str) -> None:
        self.count += 1
        if len(self.head) < self.HEAD:
            self.head.append(line)
            return
        if len(self.tail) == self.TAIL:
            gone = self.tail[0]
            low = gone.lower()
            if any(k in low for k in _KEYWORDS):
                self.matched.append(gone)
        self.tail.append(line)

    def __iter__(self):
        return iter(self.lines())

    def lines(self) -> list[str]:
        left_out = self.count - len(self.head) - len(self.tail)
        if left_out <= 0:
            return self.head + list(self.tail)
        marker = [f"[... {left_out:,} lines left out; the lines that matter among them follow ...]"]
        return self.head + marker + list(self.matched) + ["[... the last lines ...]"] + list(self.tail)

class _VectorInfo(ctypes.Structure):
    # sharedspice.h: struct vector_info
    _fields_ = [
        ("v_name", ctypes.c_char_p),
        ("v_type", ctypes.c_int),
        ("v_flags", ctypes.c_short),
        ("v_realdata", ctypes.POINTER(ctypes.c_double)),
        ("v_compdata", ctypes.POINTER(ctypes.c_double)),  # ngcomplex_t[]: (re, im) pairs
        ("v_length", ctypes.c_int),
    ]


_SendChar = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)
_SendStat = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)
_ControlledExit = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_int, ctypes.c_bool, ctypes.c_bool, ctypes.c_int, ctypes.c_void_p
)
_BGThreadRunning = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_bool, ctypes.c_int, ctypes.c_void_p)


def _strings(ptr: Any) -> list[str]:
    """A NULL-terminated ``char**`` as a list of str."""
    out: list[str] = []
    if not ptr:
        return out
    i = 0
    while ptr[i]:
        out.append(ptr[i].decode("utf-8", "replace"))
        i += 1
    return out


class NgSpice:
    """One initialised libngspice instance. Use from one thread only, in a process of its own."""

    def __init__(self, library: str, log_path: str | Path | None = None) -> None:
        lib = ctypes.CDLL(library)
        lib.ngSpice_Init.argtypes = [
            _SendChar, _SendStat, _ControlledExit, ctypes.c_void_p, ctypes.c_void_p, _BGThreadRunning, ctypes.c_void_p,
        ]
        lib.ngSpice_Init.restype = ctypes.c_int
        lib.ngSpice_Command.argtypes = [ctypes.c_char_p]
        lib.ngSpice_Command.restype = ctypes.c_int
        lib.ngSpice_Circ.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.ngSpice_Circ.restype = ctypes.c_int
        lib.ngSpice_AllPlots.argtypes = []
        lib.ngSpice_AllPlots.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.ngSpice_AllVecs.argtypes = [ctypes.c_char_p]
        lib.ngSpice_AllVecs.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.ngGet_Vec_Info.argtypes = [ctypes.c_char_p]
        lib.ngGet_Vec_Info.restype = ctypes.POINTER(_VectorInfo)
        lib.ngSpice_running.argtypes = []
        lib.ngSpice_running.restype = ctypes.c_bool
        self._lib = lib
        self._out = _Lines()
        self._err = _Lines()
        self._log_bytes = 0
        self._capture = False
        self._log = open(log_path, "a", buffering=1, errors="replace") if log_path else None
        self.exited = False
        self.parent_pid = 0  # when set, a run stops if this process is orphaned
        self._done = threading.Event()
        self._started = threading.Event()
        # The callbacks must outlive every call into the library: keep references.
        self._cb = (
            _SendChar(self._on_char),
            _SendStat(lambda *_: 0),
            _ControlledExit(self._on_exit),
            _BGThreadRunning(self._on_bg),
        )
        self._out_all: list[str] = []
        rc = lib.ngSpice_Init(self._cb[0], self._cb[1], self._cb[2], None, None, self._cb[3], None)
        if rc != 0:
            raise RuntimeError(f"ngSpice_Init returned {rc}")
        banner = "\n".join(self._out_all)
        m = re.search(r"ngspice-(\S+)", banner)
        self.version = m.group(1) if m else "unknown"
        self._out_all = []

    # -- callbacks (called from ngspice's threads; keep them short) ---------------------------

    def _on_char(self, text: bytes, ident: int, user: Any) -> int:
        line = text.decode("utf-8", "replace") if text else ""
        stream, _, msg = line.partition(" ")
        if self._capture:
            (self._err if stream == "stderr" else self._out).append(msg)
            if self._log is not None and self._log_bytes < LOG_LIMIT:
                self._log.write(line + "\n")
                self._log_bytes += len(line) + 1
        else:
            self._out_all.append(msg)
        return 0

    def _on_exit(self, status: int, immediate: bool, quitexit: bool, ident: int, user: Any) -> int:
        # After this the library must not be used again (the next ngSpice_Circ segfaults).
        self.exited = True
        self._done.set()
        return status

    def _on_bg(self, not_running: bool, ident: int, user: Any) -> int:
        (self._done if not_running else self._started).set()
        return 0

    # -- calls ---------------------------------------------------------------------------------

    def command(self, cmd: str) -> int:
        return self._lib.ngSpice_Command(cmd.encode("utf-8"))

    def load(self, lines: list[str]) -> int:
        arr = (ctypes.c_char_p * (len(lines) + 1))(*[ln.encode("utf-8", "replace") for ln in lines], None)
        return self._lib.ngSpice_Circ(arr)

    def running(self) -> bool:
        return bool(self._lib.ngSpice_running())

    def plots(self) -> list[str]:
        """Plot type names, newest first (``['tran1', 'const']``)."""
        return _strings(self._lib.ngSpice_AllPlots())

    def vectors(self, plot: str) -> list[str]:
        """Vector names of one plot, newest first (the scale is last)."""
        return _strings(self._lib.ngSpice_AllVecs(plot.encode("utf-8")))

    def vector(self, plot: str, name: str) -> tuple[int, np.ndarray] | None:
        """``(sv_type, copy of the data)`` of ``plot.name``, or None when ngspice has none."""
        ptr = self._lib.ngGet_Vec_Info(f"{plot}.{name}".encode("utf-8"))
        if not ptr:
            return None
        info = ptr.contents
        n = int(info.v_length)
        if info.v_flags & VF_COMPLEX and info.v_compdata:
            pairs = np.ctypeslib.as_array(info.v_compdata, shape=(n, 2)) if n else np.empty((0, 2))
            data = pairs[:, 0] + 1j * pairs[:, 1]
        elif info.v_realdata and n:
            data = np.ctypeslib.as_array(info.v_realdata, shape=(n,)).copy()
        else:
            data = np.empty(0)
        return int(info.v_type), data

    def collect(self) -> list[tuple[str, list[tuple[str, int, np.ndarray]]]]:
        """Every vector of every plot the run made (not ``const``), oldest plot first."""
        out = []
        for plot in reversed(self.plots()):
            if plot == "const":
                continue
            vecs = []
            for name in reversed(self.vectors(plot)):
                got = self.vector(plot, name)
                if got is not None:
                    vecs.append((name, got[0], got[1]))
            out.append((plot, vecs))
        return out

    def run(self, lines: list[str], timeout: float) -> tuple:
        """Load, run in the background thread, halt at ``timeout``, collect, then remove the
        circuit and its plots so memory stays flat across runs."""
        deadline = time.monotonic() + timeout
        self._out, self._err = _Lines(), _Lines()
        self._log_bytes = 0
        if self._log is not None:
            self._log.seek(0)
            self._log.truncate()
        self._capture = True
        timed_out = False
        plots: list = []
        try:
            rc = self.load(lines)
            if self.exited:
                return ("exited", "\n".join(self._out.lines()), "\n".join(self._err.lines()))
            self._done.clear()
            self._started.clear()
            self.command("bg_run")
            while not self._done.wait(min(POLL_S, max(0.0, deadline - time.monotonic()))):
                if self._started.is_set() and not self.running():
                    break  # the thread ended and its callback was missed
                if self.parent_pid and os.getppid() != self.parent_pid:
                    self.command("bg_halt")
                    _leave(4)  # orphaned: nobody will read the result
                if time.monotonic() >= deadline:
                    timed_out = True
                    self.command("bg_halt")
                    self._done.wait(HALT_WAIT_S)
                    break
            if self.exited:
                return ("exited", "\n".join(self._out.lines()), "\n".join(self._err.lines()))
            plots = self.collect()
        finally:
            self._capture = False
        stdout, stderr = "\n".join(self._out.lines()), "\n".join(self._err.lines())
        self.cleanup()
        return ("done", rc, timed_out, plots, stdout, stderr)

    def cleanup(self) -> None:
        self.command("destroy all")
        self.command("remcirc")
        self._out_all = []


def worker_main(conn: Any, library: str, home: str) -> None:
    """Entry point of a worker process: one library instance, requests served one at a time.

    ``home`` is the worker's private folder: it becomes the working directory and holds an empty
    ``.spiceinit``, so ngspice reads neither a ``.spiceinit`` from elsewhere nor ``~/.spiceinit``
    (it reads the one in the working directory first, else the home one). The process's own
    stdout/stderr go to ``home/worker.log`` (the parent redirects them); the current run's
    messages to ``home/run.log``, so the parent can still show them after a crash.
    """
    parent = os.getppid()
    os.chdir(home)
    Path(".spiceinit").write_text("* empty: keeps ngspice from reading ~/.spiceinit\n")
    try:
        ng = NgSpice(library, log_path=os.path.join(home, "run.log"))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as text
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    ng.parent_pid = parent
    conn.send(("ready", os.getpid(), ng.version))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            _leave(0)  # the parent went away
        op = msg[0]
        if op == "stop":
            return
        try:
            if op == "run":
                reply = ng.run(msg[1], msg[2])
            elif op == "cmd":
                ng._out, ng._err, ng._capture = _Lines(), _Lines(), True
                ng.command(msg[1])
                ng._capture = False
                reply = ("exited", "\n".join(ng._out.lines()), "\n".join(ng._err.lines())) if ng.exited else ("done", 0, False, [], "\n".join(ng._out.lines()), "\n".join(ng._err.lines()))
            else:
                reply = ("failed", f"unknown request {op!r}")
        except Exception as exc:  # noqa: BLE001
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        conn.send(reply)
        if ng.exited:
            os._exit(3)  # the library is unusable now; the parent starts a fresh worker


def _leave(status: int) -> None:
    """Exit without the parent's help: remove this worker's folder (the working directory)."""
    import shutil

    shutil.rmtree(os.getcwd(), ignore_errors=True)
    os._exit(status)


if __name__ == "__main__":
    # python -P _libngspice.py FD LIBRARY HOME  (started by circuitsnn.spice.shared)
    import sys
    from multiprocessing.connection import Connection

    worker_main(Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3])
