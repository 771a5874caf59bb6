"""Run a sweep: build every point's deck, simulate what is not stored yet, export the results.

::

    from circuitsnn.sweep import run_sweep, load_spec
    res = run_sweep(load_spec("examples/sweeps/lif_fi.toml"), out="runs/lif_fi", workers=2)
    res.dataset            # xarray Dataset: one dimension per swept parameter (+ sample)

Before anything runs, the first point's deck is simulated for a few steps and every signal a
measure reads is looked up in its results (:mod:`.signals`): a measure of a signal that does not
exist fails the sweep at once instead of leaving its column empty.

Every point's deck is built and rendered in this process (cheap), hashed with the analysis and
the ngspice version, and looked up in the sweep's index: stored results are reused, the rest
run on the executor, each stored the moment it finishes. A killed sweep resumes where it
stopped, and removes the ngspice run folders (``OUT/runs/``) of the points that were running
when it was killed; run folders of failed points are kept. Changed measures are recomputed from
the stored waveforms without simulating again.

A point *fails* when its simulation fails (``SweepResult.failed``) or when one of its measures
raises (``SweepResult.measure_failed``; the measure's value is NaN and its reason is stored):
both count in the summary, and ``circuitsnn sweep`` exits with status 3 when any point failed.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..outdir import output_dir
from ..spice.render import render
from ..spice.simulator import ngspice_version
from ..units import check_timeout
from .executors import PointTask, compute_measures, dask_executor, default_workers, make_executor, run_root_for, simulate_point
from .plan import SweepPlan
from .spec import SweepSpec, load_spec
from .store import Outcome, SweepStore

KEY_SALT = "circuitsnn-sweep-v1"


@dataclass
class SweepResult:
    """What a run did and where its outputs are."""

    folder: Path
    plan: SweepPlan
    total: int = 0
    computed: int = 0
    reused: int = 0
    remeasured: int = 0
    #: points whose simulation failed
    failed: int = 0
    #: points that simulated but where at least one measure raised (its value is NaN)
    measure_failed: int = 0
    #: ngspice run folders of killed points removed at the start (see :func:`remove_orphan_runs`)
    orphans_removed: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def dataset(self):
        """The sweep as an xarray Dataset (read from ``sweep.nc`` when it was written)."""
        import xarray as xr

        nc = self.files.get("netcdf")
        if nc and Path(nc).exists():
            return xr.load_dataset(nc, engine="h5netcdf")
        from .export import to_dataset

        with SweepStore(self.folder) as store:
            return to_dataset(self.plan, store)

    @property
    def ok(self) -> bool:
        """Every point simulated and every measure computed."""
        return not self.failed and not self.measure_failed and not self.interrupted

    def summary(self) -> str:
        failed = self.failed + self.measure_failed
        detail = ""
        if self.measure_failed:
            detail = f" ({self.failed} simulation{'s' if self.failed != 1 else ''}, {self.measure_failed} with measure errors)"
        return (
            f"{self.total} points: {self.computed} simulated, {self.reused} reused"
            + (f", {self.remeasured} re-measured" if self.remeasured else "")
            + f", {failed} failed{detail}, in {self.elapsed:.1f} s -> {self.folder}"
        )


def deck_key(deck_text: str, analyses: Any, version: str) -> str:
    """The content hash of a point: rendered deck, analysis and ngspice version."""
    h = hashlib.sha256()
    for part in (KEY_SALT, version, repr(analyses), deck_text):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def measures_signature(plan: SweepPlan) -> str:
    payload = [
        (name, m.measure, m.definition.func.__module__, m.definition.func.__qualname__, sorted((k, repr(v)) for k, v in m.args.items()))
        for name, m in sorted(plan.measures.items())
    ]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]


def default_folder(spec: SweepSpec) -> Path:
    if spec.out:
        base = spec.source.parent if spec.source else Path.cwd()
        return (base / spec.out).resolve() if not Path(spec.out).is_absolute() else Path(spec.out)
    name = spec.name or (spec.source.stem if spec.source else f"{spec.component}_{spec.testbench}")
    return Path("runs") / "sweeps" / name


@dataclass
class _Prepared:
    """What the engine keeps per sweep: small, so sweeps of 10^5 points fit in memory. Decks
    are built again (about 0.1 ms each) when a point is submitted."""

    first_index: dict[str, int]  # key -> first point index with that deck (insertion order)
    invalid: dict[str, Outcome]


def prepare_points(plan: SweepPlan, store: SweepStore, version: str) -> _Prepared:
    """Build and hash every point, writing the point list into the index as it goes; decks
    that cannot be built become failed outcomes."""
    sig = measures_signature(plan)
    first: dict[str, int] = {}
    invalid: dict[str, Outcome] = {}

    def rows():
        for pt in plan.points():
            try:
                _tb, deck = plan.build(pt)
                key = deck_key(render(deck), deck.analyses, version)
            except Exception as exc:  # a point whose parameters the component rejects: recorded, not fatal
                payload = json.dumps([plan.spec.component, plan.spec.testbench, pt.params, pt.stimulus, pt.temperature], sort_keys=True, default=repr)
                key = "invalid-" + hashlib.sha256(payload.encode()).hexdigest()[:40]
                msg = getattr(exc, "message", None) or str(exc)
                invalid[key] = Outcome(key, "failed", type(exc).__name__, f"the deck could not be built: {msg}", time.time(), time.time(), measures_sig=sig)
            else:
                first.setdefault(key, pt.index)
            yield (pt.index, key, pt.position, pt.coords, pt.params)

    store.set_points(rows())
    return _Prepared(first, invalid)


def make_task(plan: SweepPlan, index: int, folder: Path, version: str, sig: str) -> PointTask:
    """The worker's job for point ``index`` (its deck built again, same key)."""
    pt = plan.point(index)
    tb, deck = plan.build(pt)
    key = deck_key(render(deck), deck.analyses, version)
    from ..spice.load import default_trusted_dirs

    return PointTask(key, deck, float(plan.spec.timeout), plan.saved_signals(tb.probes), plan.measure_tasks(tb), sig,
                     run_root_for(folder), tuple(str(d) for d in default_trusted_dirs()))


def _resolve_executor(executor: Any, dask: Any, kind: str, workers: int | None):
    """(executor, parallelism, close, label)."""
    if executor is not None and dask is not None:
        raise ValidationError("give either executor= or dask=, not both.")
    if dask is not None:
        ex, n, close = dask_executor(dask)
        return ex, n, (lambda wait=True: close()), f"dask({n} threads)"
    if executor is not None:
        n = workers or getattr(executor, "_max_workers", None) or default_workers()
        return executor, n, (lambda wait=True: None), type(executor).__name__
    n = workers or default_workers()
    ex = make_executor(kind, n)
    # on Ctrl-C do not wait for the running points (up to the timeout each)
    return ex, n, (lambda wait=True: ex.shutdown(wait=wait, cancel_futures=True)), f"{kind}({n})"


def run_sweep(
    spec: SweepSpec | str | Path,
    out: str | Path | None = None,
    *,
    executor: cf.Executor | None = None,
    dask: Any = None,
    kind: str = "threads",
    workers: int | None = None,
    retry_failed: bool = False,
    progress: bool | None = None,
    export: bool = True,
    plots: bool = True,
    timeout: float | None = None,
    check_signals: bool = True,
) -> SweepResult:
    """Run (or resume) a sweep and write its outputs into ``out``.

    Args:
        spec: a :class:`SweepSpec` or the path of a sweep TOML file.
        out: the sweep folder (default: the spec's ``out``, else ``runs/sweeps/<name>``).
        executor: any ``concurrent.futures.Executor`` (you keep ownership), e.g.
            ``client.get_executor()``; or ``dask=`` a scheduler address / ``Client``; otherwise
            a local pool of ``kind`` ("threads" or "processes") with ``workers`` workers.
        retry_failed: simulate failed points again instead of keeping their failure.
        progress: show a progress bar (default: when stderr is a terminal).
        export / plots: write sweep.nc + measures.csv, and the PNG figures.
        timeout: seconds per point, overriding the spec's.
        check_signals: simulate the first point briefly and refuse measures of signals it does
            not have (:func:`circuitsnn.sweep.signals.check_signals`) before anything runs.
    """
    t_start = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    if timeout is not None:
        import dataclasses

        spec = dataclasses.replace(spec, timeout=check_timeout(timeout, "the sweep timeout (--timeout)"))
    plan = spec.plan()
    if executor is None and dask is None and kind == "processes" and any(m.measure == "testbench" for m in plan.measures.values()):
        raise ValidationError(
            "measure = \"testbench\" runs the testbench's own measure(), a closure a process pool cannot send.",
            hint="Use the default thread pool (--executor threads) or Dask.",
        )
    folder = Path(out) if out is not None else default_folder(spec)
    version = ngspice_version()
    if check_signals:
        from .signals import check_signals as check

        check(plan)  # a measured signal the testbench lacks: refused here, not NaN at every point
    sig = measures_signature(plan)
    result = SweepResult(folder=folder, plan=plan, total=plan.size)

    output_dir(folder, "sweep folder")
    lock = _lock_folder(folder)
    try:
        store = SweepStore(folder)
    except BaseException:
        lock.close()
        raise
    try:
        result.orphans_removed = remove_orphan_runs(folder, store)
        prepared = prepare_points(plan, store, version)
        known = store.lookup(list(prepared.first_index) + list(prepared.invalid))
        to_run: list[int] = []
        to_measure: list[int] = []
        for key, idx in prepared.first_index.items():
            row = known.get(key)
            if row is None or (retry_failed and row["status"] == "failed"):
                to_run.append(idx)
            elif row["status"] == "done" and row["measures_sig"] != sig:
                to_measure.append(idx)
        new_invalid = [o for k, o in prepared.invalid.items() if k not in known]
        label = "none"
        run_id = store.begin_run(spec.fingerprint(), plan.size, label)
        for o in new_invalid:
            store.record(o, run_id)
        result.failed += len(new_invalid)

        # changed measures: recompute from stored waveforms; points without them run again
        for idx in to_measure:
            task = make_task(plan, idx, folder, version, sig)
            try:
                res = store.load_result(task.key)
                missing = [s for s in (task.save or ()) if not any(s in p for p in res.plots)]
            except Exception:
                res, missing = None, ["(no waveforms)"]
            if res is None or missing:
                to_run.append(idx)
                continue
            values, errors = compute_measures(res, task.measures)
            store.update_measures(task.key, values, errors, sig, {n: u for n, _f, _a, u in task.measures})
            result.remeasured += 1

        interrupted = False
        if to_run:
            ex, parallel, close, label = _resolve_executor(executor, dask, kind, workers)
            store.conn.execute("UPDATE runs SET executor=? WHERE run_id=?", (label, run_id))
            try:
                make = lambda i: make_task(plan, i, folder, version, sig)  # noqa: E731
                result.computed, failed = _execute(ex, parallel, to_run, make, store, run_id, plan, progress)
                result.failed += failed
            except KeyboardInterrupt:
                interrupted = True
                raise
            finally:
                close(not interrupted)
                if interrupted:
                    done_here = store.conn.execute("SELECT COUNT(*) FROM results WHERE run_id=?", (run_id,)).fetchone()[0]
                    store.end_run(run_id, computed=done_here, reused=0, failed=store.counts()["failed"], interrupted=True)
        counts = store.counts()
        # distinct results reused from the index (not simulated in this run)
        result.reused = max(0, len(prepared.first_index) + len(prepared.invalid) - len(to_run) - len(new_invalid))
        store.end_run(run_id, computed=result.computed, reused=result.reused, failed=counts["failed"])
        result.failed = counts["failed"]
        result.measure_failed = store.measure_error_count()

        if export:
            from .export import export_all

            state = hashlib.sha256(
                "\n".join([spec.fingerprint(), sig, str(plots)] + list(prepared.first_index) + list(prepared.invalid)).encode()
            ).hexdigest()
            unchanged = not result.computed and not result.remeasured and not new_invalid and store.get_meta("exported") == state
            files = {"netcdf": folder / "sweep.nc", "csv": folder / "measures.csv"}
            if unchanged and all(p.exists() for p in files.values()):
                result.files = files
                pdir = folder / "plots"
                if pdir.exists():
                    result.files.update({p.stem: p for p in sorted(pdir.glob("*.png"))})
            else:
                result.files = export_all(plan, store, folder, plots=plots)
                store.set_meta("exported", state)
    finally:
        store.close()
        lock.close()
    result.elapsed = time.perf_counter() - t_start
    return result


_RUN_DIR_RE = re.compile(r"circuitsnn-[A-Za-z0-9_]+")


def remove_orphan_runs(folder: Path, store: SweepStore) -> int:
    """Remove the ngspice run folders in ``folder/runs`` that no failed point refers to: those
    of points that were running when a sweep was killed (a finished point removes its own;
    a failed one keeps it, named in its reason, to reproduce the failure). Called with the
    sweep folder locked, so no running point of this sweep can own one. Returns how many."""
    runs = Path(run_root_for(folder))
    if not runs.is_dir():
        return 0
    kept: set[str] = set()
    for (reason,) in store.conn.execute("SELECT reason FROM results WHERE status='failed' AND reason LIKE '%circuitsnn-%'"):
        kept.update(_RUN_DIR_RE.findall(reason or ""))
    removed = 0
    for d in runs.iterdir():
        if d.is_dir() and _RUN_DIR_RE.fullmatch(d.name) and d.name not in kept:
            shutil.rmtree(d, ignore_errors=True)  # an orphaned ngspice may still write: best effort
            removed += 1
    return removed


def _lock_folder(folder: Path):
    """One running sweep per folder: an exclusive lock the OS drops when the process dies."""
    import fcntl

    fh = open(folder / ".lock", "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        who = fh.read().strip()
        fh.close()
        raise ValidationError(
            f"another sweep is running in {folder}{f' (pid {who})' if who else ''}.",
            hint="Wait for it (`circuitsnn sweep FILE --status` shows its progress), or use another --out folder.",
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def _execute(ex, parallel: int, indices: list[int], make, store: SweepStore, run_id: int, plan: SweepPlan, progress) -> tuple[int, int]:
    """Submit with a bounded window (a killed sweep loses at most the window); store each
    outcome as it arrives. Returns (computed, failed)."""
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    window = max(2, 2 * parallel)
    pending = collections.deque(indices)
    inflight: dict[cf.Future, tuple[PointTask, int, float]] = {}
    computed = failed = 0
    grace = lambda t: 3 * t.timeout + 60  # noqa: E731  (a worker stuck outside ngspice)
    bar = tqdm(total=len(indices), unit="pt", desc=plan.spec.name or plan.spec.component, disable=not progress, dynamic_ncols=True, file=sys.stderr)

    def record(outcome: Outcome, index: int) -> None:
        nonlocal computed, failed
        store.record(outcome, run_id, plan.point(index).params)
        computed += 1
        failed += outcome.status != "done" or bool(outcome.measure_errors)
        bar.update(1)
        bar.set_postfix(failed=failed, refresh=False)

    try:
        while pending or inflight:
            while pending and len(inflight) < window:
                index = pending.popleft()
                task = make(index)
                try:
                    fut = ex.submit(simulate_point, task)
                except Exception as exc:  # broken pool: record and go on (the next submit may work)
                    record(Outcome(task.key, "failed", type(exc).__name__, f"could not submit: {exc}", time.time(), time.time(), measures_sig=task.measures_sig), index)
                    continue
                inflight[fut] = (task, index, time.monotonic())
            if not inflight:
                continue
            done, _ = cf.wait(list(inflight), timeout=1.0, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                task, index, _t0 = inflight.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as exc:  # the worker died (process pool, Dask)
                    outcome = Outcome(task.key, "failed", type(exc).__name__, f"the worker failed: {exc}", time.time(), time.time(), measures_sig=task.measures_sig)
                record(outcome, index)
            now = time.monotonic()
            for fut, (task, index, t0) in list(inflight.items()):
                if now - t0 > grace(task):
                    fut.cancel()
                    inflight.pop(fut)
                    record(Outcome(task.key, "failed", "WorkerTimeout", f"no answer from the worker after {now - t0:.0f} s", time.time(), time.time(), measures_sig=task.measures_sig), index)
    except BaseException:
        for fut in inflight:
            fut.cancel()
        raise
    finally:
        bar.close()
    return computed, failed


def sweep_status(spec: SweepSpec | str | Path, out: str | Path | None = None) -> dict[str, Any]:
    """Progress of a sweep from its index, without running anything: counts, failures, runs."""
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    folder = Path(out) if out is not None else default_folder(spec)
    if not (folder / "index.sqlite").exists():
        return {"folder": folder, "exists": False, "counts": {}, "failures": [], "runs": []}
    with SweepStore(folder) as store:
        pts = store.points()
        failures = [p for p in pts if p["status"] == "failed"]
        measure_errors = [p for p in pts if p["status"] == "done" and p["measure_errors"]]
        return {
            "folder": folder,
            "exists": True,
            "counts": store.counts(),
            "failures": failures,
            "measure_errors": measure_errors,
            "runs": [dict(r) for r in store.runs()],
            "fingerprint_matches": bool(store.runs()) and store.runs()[-1]["spec"] == spec.fingerprint(),
        }
