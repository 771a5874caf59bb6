"""Check that a refactor changed the text of the generated decks but not the simulation.

Renders every registered component's testbenches (default stimuli) at a base revision and in
the working tree, runs both with ngspice and compares every vector the two share (by name),
interpolated onto the base run's time/sweep axis: the worst difference relative to the vector's
peak magnitude. The probes of each testbench must exist in both. Usage::

    .venv/bin/python bench/deck_equivalence.py --base 945c17b [--tol 1e-9] [--only memristor]

Writes ``reports/bench/deck_equivalence.csv`` and prints a table; exits 1 when a testbench
differs by more than ``--tol``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

DUMP = r"""
import json, os, sys
import circuitsnn
# decide by the tree, not by import success: an editable install elsewhere can answer
# "circuitsnn.library" from another checkout
if os.path.isdir(os.path.join(os.path.dirname(circuitsnn.__file__), "library")):
    from circuitsnn.library import registry
else:
    from circuitsnn import registry
from circuitsnn.spice.render import render
only = sys.argv[2] if len(sys.argv) > 2 else ""
out = {}
for c in registry.components(builtin_only=True):
    if only and only not in c.name:
        continue
    for tb_name in c.testbenches:
        tb = c.testbench(tb_name)
        out[f"{c.name}/{tb_name}"] = {"deck": render(tb.deck), "probes": list(tb.probes)}
json.dump(out, open(sys.argv[1], "w"))
"""


def dump(tree: Path, target: Path, only: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", DUMP, str(target), only], check=True, env=env, cwd=tree)
    return json.loads(target.read_text())


def run(deck: str, folder: Path, tag: str):
    from circuitsnn.spice.batch import BatchSimulator

    path = folder / f"{tag}.cir"
    path.write_text(deck)
    sim = BatchSimulator(run_root=folder, timeout=600, trusted_dirs=[folder])
    return sim.run(path)


def compare(old, new) -> tuple[float, list[str], int]:
    """Worst relative difference over shared vectors, the probes missing in one, vectors compared."""
    worst, compared = 0.0, 0
    for plot_old in old:
        try:
            plot_new = new.plot(plot_old.analysis)
        except Exception:
            return float("inf"), [f"analysis {plot_old.analysis} missing"], 0
        names = [n for n in plot_old.signals if n in plot_new]
        axis_old = np.real(np.asarray(plot_old.axis)) if plot_old.axis is not None else None
        axis_new = np.real(np.asarray(plot_new.axis)) if plot_new.axis is not None else None
        for n in names:
            a = np.real(np.asarray(plot_old[n], dtype=complex))
            b = np.real(np.asarray(plot_new[n], dtype=complex))
            if axis_old is not None and axis_new is not None and len(axis_new) > 1 and (len(a) != len(b) or not np.array_equal(axis_old, axis_new)):
                b = np.interp(axis_old, axis_new, b)
            peak = float(np.max(np.abs(a))) if a.size else 0.0
            if peak == 0.0:
                peak = 1.0
            worst = max(worst, float(np.max(np.abs(a - b))) / peak if a.size else 0.0)
            compared += 1
    return worst, [], compared


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="git revision to compare against")
    ap.add_argument("--tol", type=float, default=1e-9, help="largest allowed relative difference")
    ap.add_argument("--only", default="", help="only components whose name contains this")
    args = ap.parse_args(argv)
    out_dir = ROOT / "reports" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deckeq_") as tmp:
        tmp = Path(tmp)
        base_tree = tmp / "base"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(base_tree), args.base], check=True, cwd=ROOT)
        try:
            old = dump(base_tree, tmp / "old.json", args.only)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], check=False, cwd=ROOT)
        new = dump(ROOT, tmp / "new.json", args.only)
        rows, bad = [], 0
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                rows.append({"testbench": key, "text_changed": "", "vectors": 0, "worst_rel": "", "status": "only in " + ("base" if key in old else "new")})
                continue
            changed = old[key]["deck"] != new[key]["deck"]
            if not changed:
                rows.append({"testbench": key, "text_changed": False, "vectors": 0, "worst_rel": 0.0, "status": "identical text"})
                continue
            tag = key.replace("/", "_")
            r_old = run(old[key]["deck"], tmp, tag + "_old")
            r_new = run(new[key]["deck"], tmp, tag + "_new")
            worst, missing, n = compare(r_old, r_new)
            ok = worst <= args.tol and not missing
            bad += not ok
            rows.append({"testbench": key, "text_changed": True, "vectors": n, "worst_rel": worst,
                         "status": "ok" if ok else ("DIFFERS " + "; ".join(missing))})
    with open(out_dir / "deck_equivalence.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        wr = r["worst_rel"]
        print(f"{r['testbench']:45s} {str(r['text_changed']):6s} {r['vectors']:4d} {wr if isinstance(wr, str) else f'{wr:.2e}':>10s}  {r['status']}")
    print(f"{bad} testbench(es) differ by more than {args.tol:g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
