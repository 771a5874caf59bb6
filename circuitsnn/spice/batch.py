"""The default back-end: ``ngspice -b -n -r out.raw deck.cir`` in a fresh working directory.

Isolated from the host (a crash kills only the subprocess), killable (the whole process group
on timeout), real exit codes. ``-n`` skips user init files; the fresh directory means no
``.spiceinit`` is picked up. Fixed cost about 8 ms per run on the reference machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import SimulationError, SimulationTimeout, SimulatorMissing
from .diagnose import diagnose
from .ir import Analysis
from .rawfile import read_raw
from .result import Result
from .simulator import INSTALL_HINT, DeckLike, Simulator, check_tran_complete, label_sweep_axis, ngspice_version, prepare

DEFAULT_TIMEOUT = 120.0


class BatchSimulator(Simulator):
    """Runs each deck as its own ngspice process.

    Args:
        executable: the ngspice program.
        run_root: where run directories are made (default: the system temp folder).
        timeout: seconds before the process group is killed.
        keep: keep run directories of successful runs too (failed ones are always kept).
        trusted_dirs / allow_control: the load policy for decks given as files.
    """

    name = "batch"

    def __init__(
        self,
        executable: str = "ngspice",
        run_root: str | Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        keep: bool = False,
        trusted_dirs: Iterable[str | Path] = (),
        allow_control: bool = False,
    ) -> None:
        self.executable = executable
        self.run_root = Path(run_root) if run_root else None
        self.timeout = timeout
        self.keep = keep
        self.trusted_dirs = tuple(trusted_dirs)
        self.allow_control = allow_control

    @classmethod
    def available(cls) -> bool:
        return shutil.which("ngspice") is not None

    def _exe(self) -> str:
        exe = shutil.which(self.executable)
        if exe is None:
            raise SimulatorMissing(f"ngspice executable {self.executable!r} was not found on PATH.", hint=INSTALL_HINT)
        return exe

    def run(
        self,
        deck: DeckLike,
        *,
        analyses: Sequence[Analysis] | None = None,
        timeout: float | None = None,
        keep: bool | None = None,
    ) -> Result:
        prepared = prepare(deck, analyses, trusted_dirs=self.trusted_dirs, allow_control=self.allow_control)
        exe = self._exe()
        timeout = self.timeout if timeout is None else timeout
        keep = self.keep if keep is None else keep
        if self.run_root:
            self.run_root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="circuitsnn-", dir=self.run_root))
        (workdir / "deck.cir").write_text(prepared.text)
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [exe, "-b", "-n", "-r", "out.raw", "deck.cir"],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills everything
            text=True,
            errors="replace",
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            stdout, stderr = proc.communicate()
            raise SimulationTimeout(
                f"ngspice ran longer than {timeout:g} s on {prepared.title!r} and was killed.",
                hint="Raise the timeout, shorten the analysis, or look for a runaway circuit.",
                stdout=stdout,
                stderr=stderr,
                workdir=workdir,
            ) from None
        elapsed = time.perf_counter() - t0
        evidence = dict(stdout=stdout, stderr=stderr, workdir=workdir)
        if proc.returncode < 0:
            raise SimulationError(
                f"ngspice was killed by signal {-proc.returncode} on {prepared.title!r}.",
                hint="Run the kept deck with `ngspice -b deck.cir` to reproduce.",
                **evidence,
            )
        found = diagnose(stdout, stderr, failed=proc.returncode != 0)
        if found is not None:
            kwargs = {"time_reached": found.time_reached} if found.time_reached is not None else {}
            raise found.error(found.message, hint=found.hint, **kwargs, **evidence)
        raw = workdir / "out.raw"
        if not raw.exists():
            raise SimulationError(
                f"ngspice wrote no results for {prepared.title!r}.",
                hint="Does the deck have an analysis? Run the kept deck with `ngspice -b deck.cir`.",
                **evidence,
            )
        result = Result(
            plots=tuple(read_raw(raw)),
            title=prepared.title,
            backend=self.name,
            ngspice_version=ngspice_version(self.executable),
            stdout=stdout,
            stderr=stderr,
            elapsed=elapsed,
            workdir=workdir if keep else None,
        )
        label_sweep_axis(result, prepared)
        check_tran_complete(result, prepared.tran_stop, **evidence)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
        return result


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
