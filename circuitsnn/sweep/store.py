"""Where a sweep keeps its work: an SQLite index and one waveform file per finished point.

Layout of a sweep folder::

    index.sqlite          the index (WAL): results, points, runs
    waves/ab/abcdef....npz   the saved waveforms of one result (compressed numpy)
    runs/                 ngspice run folders of failed points (deck.cir to reproduce); those
                          of points running when a sweep was killed go when it resumes

A *result* is keyed by the SHA-256 of the rendered deck text, the analysis and the ngspice
version, so identical decks (from this sweep, an earlier one or another spec using the same
folder) are simulated once. Each result is written the moment it finishes: the waveform file
first (written to a temporary name, then renamed), then its index row in one committed
transaction; a sweep killed at any instant loses at most the points still running, and its
next run finds everything that was committed. Only the sweep's main process writes.

Tables:

* ``results(key, status, error_class, reason, started, finished, sim_time, run_id, computed,
  ngspice_version, wave_file, measures, measure_errors, measures_sig, units, params)`` —
  ``computed`` counts how often the key was simulated (1 unless retried), ``run_id`` is the
  engine run that simulated it last.
* ``points(idx, key, position, coords, params)`` — the current spec's points.
* ``runs(run_id, started, finished, spec, n_points, n_computed, n_reused, n_failed, executor)``.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..errors import ValidationError
from ..spice.result import Plot, Result

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    error_class TEXT,
    reason TEXT,
    started REAL,
    finished REAL,
    sim_time REAL,
    run_id INTEGER,
    computed INTEGER NOT NULL DEFAULT 1,
    ngspice_version TEXT,
    wave_file TEXT,
    measures TEXT,
    measure_errors TEXT,
    measures_sig TEXT,
    units TEXT,
    params TEXT,
    worker TEXT
);
CREATE TABLE IF NOT EXISTS points (
    idx INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    position TEXT NOT NULL,
    coords TEXT NOT NULL,
    params TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS points_key ON points(key);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL,
    finished REAL,
    spec TEXT,
    n_points INTEGER,
    n_computed INTEGER,
    n_reused INTEGER,
    n_failed INTEGER,
    executor TEXT,
    interrupted INTEGER DEFAULT 0
);
"""


# -- waveforms on disk ---------------------------------------------------------------------------


def result_to_bytes(result: Result, save: Sequence[str] | None = None) -> bytes:
    """A compressed ``.npz`` of the result's plots: every signal (``save=None``), or only
    ``save`` (normalized names; the axis is always kept)."""
    meta: dict[str, Any] = {"title": result.title, "backend": result.backend, "ngspice_version": result.ngspice_version, "plots": []}
    arrays: dict[str, np.ndarray] = {}
    wanted = None if save is None else set(save)
    for i, p in enumerate(result.plots):
        names = [n for n in p.signals if wanted is None or n in wanted]
        meta["plots"].append(
            {
                "analysis": p.analysis,
                "plotname": p.plotname,
                "axis_name": p.axis_name,
                "axis_unit": p.axis_unit,
                "signals": names,
                "units": {n: p.units.get(n, "") for n in names},
                "has_axis": p.axis is not None,
            }
        )
        if p.axis is not None:
            arrays[f"p{i}_axis"] = np.asarray(p.axis)
        for j, n in enumerate(names):
            arrays[f"p{i}_s{j}"] = np.asarray(p.signals[n])
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def result_from_file(path: str | Path) -> Result:
    """Read a waveform file written by :func:`result_to_bytes` back into a Result."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(bytes(z["__meta__"]).decode())
        plots = []
        for i, pm in enumerate(meta["plots"]):
            axis = z[f"p{i}_axis"] if pm["has_axis"] else None
            signals = {n: z[f"p{i}_s{j}"] for j, n in enumerate(pm["signals"])}
            plots.append(Plot(pm["analysis"], pm["plotname"], pm["axis_name"], axis, signals, dict(pm["units"]), pm["axis_unit"]))
    return Result(plots=tuple(plots), title=meta["title"], backend=meta["backend"], ngspice_version=meta["ngspice_version"])


# -- the index -----------------------------------------------------------------------------------


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=_default)


def _default(obj: Any) -> Any:
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return repr(obj)


@dataclass
class Outcome:
    """What one point's simulation produced (returned by a worker)."""

    key: str
    status: str  # "done" | "failed"
    error_class: str = ""
    reason: str = ""
    started: float = 0.0
    finished: float = 0.0
    sim_time: float = 0.0
    ngspice_version: str = ""
    wave: bytes | None = None
    measures: dict[str, float] = field(default_factory=dict)
    measure_errors: dict[str, str] = field(default_factory=dict)
    measures_sig: str = ""
    units: dict[str, str] = field(default_factory=dict)
    worker: str = ""


class SweepStore:
    """The SQLite index and waveform files of one sweep folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "index.sqlite"
        self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed row survives a killed process (not a power cut).
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)
        row = self.conn.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise ValidationError(
                f"{self.path} was written by another version of circuitsnn (schema {row[0]}, this one reads {SCHEMA_VERSION}).",
                hint="Use a new --out folder for this sweep.",
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "SweepStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ----------------------------------------------------------------------------------
    def get_meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value=excluded.value", (name, value))

    # -- runs ----------------------------------------------------------------------------------
    def begin_run(self, spec: str, n_points: int, executor: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO runs (started, spec, n_points, executor) VALUES (?, ?, ?, ?)", (time.time(), spec, n_points, executor)
        )
        return int(cur.lastrowid)

    def end_run(self, run_id: int, *, computed: int, reused: int, failed: int, interrupted: bool = False) -> None:
        self.conn.execute(
            "UPDATE runs SET finished=?, n_computed=?, n_reused=?, n_failed=?, interrupted=? WHERE run_id=?",
            (time.time(), computed, reused, failed, int(interrupted), run_id),
        )

    def runs(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM runs ORDER BY run_id").fetchall()

    # -- points --------------------------------------------------------------------------------
    def set_points(self, rows: Iterable[tuple[int, str, Sequence[int], Mapping[str, Any], Mapping[str, Any]]]) -> None:
        """Replace the point list (index, key, position, coords, params) in one transaction."""
        data = [(i, k, _dumps(list(pos)), _dumps(dict(c)), _dumps(dict(p))) for i, k, pos, c, p in rows]
        with self._transaction():
            self.conn.execute("DELETE FROM points")
            self.conn.executemany("INSERT INTO points VALUES (?, ?, ?, ?, ?)", data)

    def points(self) -> list[dict[str, Any]]:
        """Every point of the current spec joined with its result (None while pending)."""
        rows = self.conn.execute(
            "SELECT p.idx, p.key, p.position, p.coords, p.params, r.status, r.error_class, r.reason, r.sim_time, "
            "r.finished, r.measures, r.measure_errors, r.units, r.run_id, r.computed "
            "FROM points p LEFT JOIN results r ON r.key = p.key ORDER BY p.idx"
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            for k in ("position", "coords", "params", "measures", "measure_errors", "units"):
                d[k] = json.loads(d[k]) if d[k] else ({} if k != "position" else [])
            out.append(d)
        return out

    # -- results -------------------------------------------------------------------------------
    def lookup(self, keys: Iterable[str]) -> dict[str, sqlite3.Row]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, sqlite3.Row] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = f"SELECT key, status, error_class, reason, measures_sig, wave_file, computed, run_id, finished FROM results WHERE key IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row["key"]] = row
        return found

    def wave_path(self, key: str) -> Path:
        return self.folder / "waves" / key[:2] / f"{key}.npz"

    def record(self, outcome: Outcome, run_id: int, params: Mapping[str, Any] | None = None) -> None:
        """Store one finished point: waveform file first, then the committed index row."""
        wave_file = None
        if outcome.wave is not None:
            path = self.wave_path(outcome.key)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(outcome.wave)
            os.replace(tmp, path)
            wave_file = str(path.relative_to(self.folder))
        self.conn.execute(
            """INSERT INTO results (key, status, error_class, reason, started, finished, sim_time, run_id, computed,
                   ngspice_version, wave_file, measures, measure_errors, measures_sig, units, params, worker)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET status=excluded.status, error_class=excluded.error_class,
                   reason=excluded.reason, started=excluded.started, finished=excluded.finished,
                   sim_time=excluded.sim_time, run_id=excluded.run_id, computed=results.computed + 1,
                   ngspice_version=excluded.ngspice_version, wave_file=excluded.wave_file,
                   measures=excluded.measures, measure_errors=excluded.measure_errors,
                   measures_sig=excluded.measures_sig, units=excluded.units, params=excluded.params,
                   worker=excluded.worker""",
            (
                outcome.key, outcome.status, outcome.error_class, outcome.reason, outcome.started, outcome.finished,
                outcome.sim_time, run_id, outcome.ngspice_version, wave_file, _dumps(outcome.measures),
                _dumps(outcome.measure_errors), outcome.measures_sig, _dumps(outcome.units), _dumps(dict(params or {})),
                outcome.worker,
            ),
        )

    def update_measures(self, key: str, measures: Mapping[str, float], errors: Mapping[str, str], sig: str, units: Mapping[str, str]) -> None:
        self.conn.execute(
            "UPDATE results SET measures=?, measure_errors=?, measures_sig=?, units=? WHERE key=?",
            (_dumps(dict(measures)), _dumps(dict(errors)), sig, _dumps(dict(units)), key),
        )

    def load_result(self, key: str) -> Result:
        path = self.wave_path(key)
        if not path.exists():
            raise ValidationError(f"no waveforms stored for point {key[:12]}.", hint="Run the sweep with waveforms = \"probes\" or \"all\".")
        return result_from_file(path)

    # -- progress ------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT COUNT(*) AS total, SUM(r.status='done') AS done, SUM(r.status='failed') AS failed "
            "FROM points p LEFT JOIN results r ON r.key = p.key"
        ).fetchone()
        total, done, failed = int(row["total"] or 0), int(row["done"] or 0), int(row["failed"] or 0)
        return {"total": total, "done": done, "failed": failed, "pending": total - done - failed}

    def measure_error_count(self) -> int:
        """Points of the current spec that simulated but where a measure raised."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM points p JOIN results r ON r.key = p.key "
            "WHERE r.status='done' AND r.measure_errors IS NOT NULL AND r.measure_errors NOT IN ('', '{}')"
        ).fetchone()
        return int(row[0] or 0)

    def _transaction(self):
        store = self

        class _Tx:
            def __enter__(self_inner):
                store.conn.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, *rest):
                store.conn.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()
