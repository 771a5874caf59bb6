"""Run folders: where ngspice runs, what is kept, and the cap on kept failures.

Each run gets a fresh folder ``circuitsnn-XXXXXXXX`` under the run root (``run_root=`` of a
simulator, else ``$CIRCUITSNN_RUN_ROOT``, else ``<system temp>/circuitsnn-runs``). The policy:

* a **successful** run's folder is deleted, unless ``keep=True`` (CLI ``--keep``); kept folders
  are never deleted by circuitsnn;
* a **failed** run's folder is kept (``deck.cir``, ngspice's output as ``stdout.txt`` /
  ``stderr.txt``, what it wrote) and marked ``FAILED``; the error names it;
* after each kept failure, older failed folders under the same root are deleted so that at
  most :data:`KEEP_FAILED` (``$CIRCUITSNN_KEEP_FAILED``, default 20) remain and together they
  hold at most :data:`KEEP_FAILED_MB` MB (``$CIRCUITSNN_KEEP_FAILED_MB``, default 500); the
  newest failure is always kept. Only folders circuitsnn marked ``FAILED`` are ever deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FAILED_MARK = "FAILED"
KEPT_MARK = "KEPT"
KEEP_FAILED = 20
KEEP_FAILED_MB = 500.0


def default_run_root() -> Path:
    env = os.environ.get("CIRCUITSNN_RUN_ROOT")
    return Path(env) if env else Path(tempfile.gettempdir()) / "circuitsnn-runs"


def new_run_dir(run_root: str | Path | None) -> Path:
    root = Path(run_root) if run_root else default_run_root()
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="circuitsnn-", dir=root))


def write_output(workdir: Path, stdout: str, stderr: str) -> None:
    """ngspice's (bounded) output beside the deck, for whoever inspects the folder."""
    try:
        (workdir / "stdout.txt").write_text(stdout + ("\n" if stdout and not stdout.endswith("\n") else ""), errors="replace")
        (workdir / "stderr.txt").write_text(stderr + ("\n" if stderr and not stderr.endswith("\n") else ""), errors="replace")
    except OSError:
        pass


def mark_kept(workdir: Path) -> None:
    try:
        (workdir / KEPT_MARK).write_text("kept on request (keep=True / --keep); circuitsnn never deletes it\n")
    except OSError:
        pass


def keep_failed(workdir: Path, reason: str = "") -> Path:
    """Mark ``workdir`` as a kept failure and apply the cap to its siblings."""
    try:
        (workdir / FAILED_MARK).write_text((reason or "the run failed") + "\n", errors="replace")
    except OSError:
        return workdir
    prune_failed(workdir.parent, newest=workdir)
    return workdir


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def prune_failed(root: Path, *, newest: Path | None = None, keep: int | None = None, max_mb: float | None = None) -> list[Path]:
    """Delete the oldest failed run folders under ``root`` beyond the caps; return them."""
    keep = int(_env_number("CIRCUITSNN_KEEP_FAILED", KEEP_FAILED) if keep is None else keep)
    max_bytes = (_env_number("CIRCUITSNN_KEEP_FAILED_MB", KEEP_FAILED_MB) if max_mb is None else max_mb) * 1e6
    failed = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    for d in entries:
        if d.name.startswith("circuitsnn-") and (d / FAILED_MARK).is_file() and not (d / KEPT_MARK).exists():
            try:
                failed.append((d.stat().st_mtime, d))
            except OSError:
                continue
    failed.sort(key=lambda md: (md[1] != newest, -md[0]))  # the newest failure first, always kept
    removed = []
    total = 0
    for i, (_, d) in enumerate(failed):
        size = _size(d)
        total += size
        if i == 0:
            continue
        if i >= max(keep, 1) or total > max_bytes:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
            total -= size
    return removed
