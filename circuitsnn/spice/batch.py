"""The default back-end: ``ngspice -b -n deck.cir`` in a fresh run folder.

Isolated from the host (a crash kills only the subprocess), killable (the whole process group
at the deadline), real exit codes. ``-n`` skips user init files; the fresh folder means no
``.spiceinit`` is picked up. Fixed cost about 8 ms per run on the reference machine.

The deck runs with circuitsnn's own ``.control`` block appended (:mod:`.control`): ``run``,
``write`` every plot, ``quit``. So ``.meas`` works (``-r`` disables it), ``.option autostop``
works, and a trusted deck's own ``.control`` block returns every plot it made.

ngspice's output is read as it comes and kept bounded (:mod:`.stream`). The ``timeout`` covers
the whole call: ngspice, reading the plots and building the result.

Run folders follow :mod:`.runs`: deleted after success unless ``keep``, kept (and capped) after a
failure.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import SimulationError, SimulationTimeout, SimulatorMissing
from . import runs
from .control import MARK_RAN_DOT, MARK_WRITTEN, PLOTS_RAW, batch_text
from .diagnose import diagnose, error_lines, measure_failures, measure_names, measurements, without_meas_failures
from .ir import Analysis
from .rawfile import read_raw
from .result import Result
from .simulator import INSTALL_HINT, DeckLike, Simulator, check_tran_complete, label_sweep_axis, ngspice_version, prepare
from .stream import run_bounded

DEFAULT_TIMEOUT = 120.0
_VERSION_RE = re.compile(r"^\*\* ngspice-(\S+)", re.M)
_PLAIN_PATH = re.compile(r"^[A-Za-z0-9_./+\-]+$")


class BatchSimulator(Simulator):
    """Runs each deck as its own ngspice process.

    Args:
        executable: the ngspice program.
        run_root: where run folders are made (default: ``$CIRCUITSNN_RUN_ROOT`` or
            ``<temp>/circuitsnn-runs``; see :mod:`circuitsnn.spice.runs` for what is kept).
        timeout: seconds for the whole run (ngspice and reading its results); the process
            group is killed at the deadline.
        keep: keep run folders of successful runs too (failed ones are kept, up to a cap).
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
        t_start = time.monotonic()
        prepared = prepare(deck, analyses, trusted_dirs=self.trusted_dirs, allow_control=self.allow_control)
        exe = self._exe()
        timeout = self.timeout if timeout is None else timeout
        keep = self.keep if keep is None else keep
        deadline = t_start + timeout
        workdir = runs.new_run_dir(self.run_root)
        raw = workdir / PLOTS_RAW
        # An absolute path survives a `cd` in the deck's own .control block; a folder with
        # spaces cannot be written in ngspice's `write`, so then the name relative to it.
        raw_arg = str(raw) if _PLAIN_PATH.match(str(raw)) else PLOTS_RAW
        (workdir / "deck.cir").write_bytes(batch_text(prepared.text, raw_arg, str(prepared.source_dir) if prepared.source_dir else None).encode(prepared.encoding, "replace"))
        meas_names = measure_names(prepared.text)
        done = run_bounded([exe, "-b", "-n", "deck.cir"], workdir, max(deadline - time.monotonic(), 0.01), keywords=meas_names)
        stdout, stderr = done.stdout.evidence(), done.stderr.evidence()
        evidence = dict(stdout=stdout, stderr=stderr, workdir=workdir)

        def fail(cls: type[SimulationError], message: str, hint: str, **kw) -> SimulationError:
            runs.write_output(workdir, stdout, stderr)
            runs.keep_failed(workdir, message)
            return cls(message, hint=hint, **kw, **evidence)

        if done.timed_out:
            raise fail(
                SimulationTimeout,
                f"ngspice ran longer than {timeout:g} s on {prepared.title!r} and was killed.",
                "Raise the timeout, shorten the analysis, or look for a runaway circuit.",
            ) from None
        rc = done.returncode
        crashed_writing = False
        if rc is not None and rc < 0:
            partial = raw.exists() and MARK_WRITTEN not in stdout and any(p.analysis != "const" for p in read_raw(raw))
            if not partial:
                writing = " while circuitsnn had it write the plots (ngspice 39 crashes on some plots, e.g. of coupled lines, whenever they are displayed or written)" if raw.exists() else ""
                raise fail(
                    SimulationError,
                    f"ngspice was killed by signal {-rc} on {prepared.title!r}{writing}.",
                    "Run the kept deck with `ngspice -b deck.cir` to reproduce; a newer ngspice may not crash.",
                )
            crashed_writing = True  # the plots written before the crash are whole: keep them
            rc = 0
        text = f"{stdout}\n{stderr}"
        notes = measure_failures(text)
        meas = measurements(stdout, meas_names)
        written = MARK_WRITTEN in stdout
        found = diagnose(without_meas_failures(stdout), without_meas_failures(stderr), failed=rc != 0)
        if found is not None:
            if prepared.user_control and rc == 0 and written and raw.exists():
                # The deck's own .control script went on after the error, as plain ngspice does.
                said = "; ".join(error_lines(f"{stderr}\n{stdout}", limit=3)) or found.message
                notes.append(f"ngspice reported errors while running the deck's .control block and went on, as plain ngspice does: {said}")
            else:
                kwargs = {"time_reached": found.time_reached} if found.time_reached is not None else {}
                raise fail(found.error, found.message, found.hint, **kwargs)
        if not raw.exists():
            if prepared.user_control and not written:
                raise fail(
                    SimulationError,
                    f"ngspice ended before circuitsnn could collect the plots of {prepared.title!r}: "
                    "a quit/exit in an included file's .control block, or an error that stopped ngspice.",
                    "Move the quit into the deck's own .control block (circuitsnn then writes the plots "
                    "before it), or read the output attached.",
                )
            raise fail(
                SimulationError,
                f"ngspice wrote no results for {prepared.title!r}.",
                "Read ngspice's output attached; run the kept deck with `ngspice -b deck.cir`.",
            )
        if crashed_writing:
            notes.append(
                f"ngspice crashed (signal {-done.returncode}) while writing the plots for circuitsnn: the plots "
                "written before the crash are returned, the later ones could not be."
            )
        if MARK_RAN_DOT in stdout:
            notes.append(
                "the deck's .control block ran no analysis (or the deck prints with .print/.plot/.four): "
                "circuitsnn ran the deck's own analyses after it, as ngspice does; their plots are included."
            )
        plots = tuple(p for p in read_raw(raw) if p.analysis != "const")
        unwritten = [ln.strip() for ln in text.splitlines() if "error during 'write'" in ln.lower() or "nothing written" in ln.lower()]
        if unwritten:
            notes.append(f"ngspice could not write every plot for circuitsnn: {'; '.join(dict.fromkeys(unwritten))}")
        if not plots and prepared.user_control:
            notes.append("the deck's .control block made no plots (it only printed); ngspice's output is in Result.stdout.")
        elif not plots:
            raise fail(
                SimulationError,
                f"ngspice produced no plots for {prepared.title!r}"
                + (": the deck's .control block ran no analysis." if prepared.user_control else "."),
                "Add an analysis (.tran, .ac, ...) or a `run` to the .control block.",
            )
        m = _VERSION_RE.search(stdout)
        result = Result(
            plots=plots,
            title=prepared.title,
            backend=self.name,
            ngspice_version=m.group(1) if m else ngspice_version(self.executable),
            stdout=stdout,
            stderr=stderr,
            elapsed=done.elapsed,
            workdir=workdir if keep else None,
            notes=notes,
            measurements=meas,
        )
        if done.stdout.truncated or done.stderr.truncated:
            result.notes.append(
                f"ngspice printed {done.stdout.total + done.stderr.total:,} bytes; circuitsnn kept the start, "
                "the end and the lines that matter (errors, warnings, .meas results)."
            )
        label_sweep_axis(result, prepared)
        if not prepared.user_control:  # a .control block runs analyses of its own choosing
            try:
                check_tran_complete(result, prepared.tran_stop, autostop=prepared.autostop, **evidence)
            except SimulationError as exc:
                runs.write_output(workdir, stdout, stderr)
                runs.keep_failed(workdir, exc.message)
                raise
        if time.monotonic() > deadline:
            raise fail(
                SimulationTimeout,
                f"{prepared.title!r}: ngspice finished, but reading its results ran past the {timeout:g} s timeout.",
                "Raise the timeout, or save fewer signals (.save) so that the results are smaller.",
            )
        if keep:
            runs.write_output(workdir, stdout, stderr)
            runs.mark_kept(workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        return result
