"""ngspice 46 with and without the KLU sparse solver against Debian's ngspice 39, on the same
network decks, interleaved in one run.

    python bench/ngspice_klu.py runs/deploy/*/verify/deck/sample0.cir    (a verification's decks)
    python bench/ngspice_klu.py [--quick]    (the shipped network decks under netlists/networks)

Each deck (a verification's ``deck/sampleK.cir``, runnable with plain ``ngspice -b``) runs as
written under the default ``ngspice`` (PATH) and under ``--other`` twice: as written, and with
``.options klu`` added. Rounds interleave the variants so a busy machine slows them alike; the
median wall and CPU seconds per variant are reported, as ratios against the default ngspice.
Every variant's hidden spikes (rising crossings of the ``l*_s*`` nodes at half their swing) and
read-out membranes (``l*_m*``) are compared with the default ngspice's: the speed of a solver
counts only where the spikes do not move. Writes ``reports/bench/ngspice_klu.json``.

Make ``.ngspice46`` with ``make ngspice46`` (Debian bookworm-backports, unpacked beside the
checkout; the system's ngspice is left alone).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def with_klu(deck: str) -> str:
    """The deck with ``klu`` added to its first ``.options`` line (or a new one)."""
    lines = deck.splitlines()
    for i, line in enumerate(lines):
        if line.lower().startswith(".options"):
            lines[i] = line + " klu"
            return "\n".join(lines) + "\n"
    return "\n".join([lines[0], ".options klu", *lines[1:]]) + "\n"


def run(exe: str, deck: str, folder: Path, timeout: float) -> dict:
    from circuitsnn.spice.rawfile import read_raw

    cir, raw = folder / "deck.cir", folder / "out.raw"
    cir.write_text(deck)
    raw.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([exe, "-b", "-r", str(raw), str(cir)], capture_output=True, text=True, timeout=timeout,
                       cwd=folder)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log = p.stdout + p.stderr
    if p.returncode != 0 or not raw.exists():
        raise RuntimeError(f"{exe} failed on the deck (exit {p.returncode}): {log[-800:]}")
    plot = [pl for pl in read_raw(raw) if pl.axis is not None][-1]
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "points": int(plot.axis.size), "klu": "using klu" in log.lower(), "plot": plot}


def traces(plot) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]:
    from circuitsnn.spice.spikes import spike_times

    t = np.asarray(plot.axis, float)
    spikes, membranes = {}, {}
    for name in plot.signals:
        m = re.fullmatch(r"v\((l\d+_[sm]\d+)\)", name.lower())
        if not m:
            continue
        v = np.asarray(plot.signals[name]).real.astype(float)
        if "_s" in m.group(1):
            swing = v.max() - v.min()
            spikes[m.group(1)] = spike_times(t, v, v.min() + swing / 2) if swing > 0.1 else np.array([])
        else:
            membranes[m.group(1)] = (t, v)
    return spikes, membranes


def compare(ref, other) -> dict:
    """How far ``other``'s spikes and membranes are from ``ref``'s."""
    rs, rm = traces(ref)
    os_, om = traces(other)
    count_diff, shift = 0, 0.0
    for k, a in rs.items():
        b = os_.get(k, np.array([]))
        count_diff += abs(len(a) - len(b))
        if len(a) == len(b) and len(a):
            shift = max(shift, float(np.max(np.abs(a - b))))
    dv = 0.0
    for k, (t, v) in rm.items():
        t2, v2 = om[k]
        dv = max(dv, float(np.max(np.abs(np.interp(t, t2, v2) - v))))
    return {"spikes": int(sum(len(a) for a in rs.values())), "spike_count_diff": count_diff,
            "max_spike_shift_s": shift, "max_membrane_diff_v": dv}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("decks", nargs="*", type=Path, help="network decks runnable with plain ngspice -b "
                    "(default: netlists/networks/*.cir)")
    ap.add_argument("--quick", action="store_true", help="one round")
    ap.add_argument("--other", default=str(ROOT / ".ngspice46/bin/ngspice"), help="the ngspice to compare")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--out", type=Path, default=ROOT / "reports/bench/ngspice_klu.json")
    args = ap.parse_args()
    if args.quick:
        args.rounds = 1
    args.decks = args.decks or sorted((ROOT / "netlists" / "networks").glob("*.cir"))
    base = shutil.which("ngspice")
    if base is None:
        sys.exit("no ngspice on PATH (make setup)")
    if not Path(args.other).exists():
        print(f"not measured: no second ngspice at {args.other} (make ngspice46 fetches ngspice 46 with KLU)")
        return 0
    from circuitsnn.spice.simulator import ngspice_version

    v_base, v_other = ngspice_version(base), ngspice_version(args.other)
    variants = {f"ngspice {v_base}": (base, False), f"ngspice {v_other}": (args.other, False),
                f"ngspice {v_other} + KLU": (args.other, True)}
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for deck_path in args.decks:
            text = deck_path.read_text()
            times: dict[str, list[dict]] = {k: [] for k in variants}
            plots: dict[str, object] = {}
            for _ in range(args.rounds):
                for name, (exe, klu) in variants.items():
                    r = run(exe, with_klu(text) if klu else text, Path(d), args.timeout)
                    plots[name] = r.pop("plot")
                    times[name].append(r)
                    print(f"{deck_path}: {name}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, "
                          f"{r['points']} points, KLU {'on' if r['klu'] else 'off'}", flush=True)
            ref = plots[f"ngspice {v_base}"]
            for name in variants:
                rows.append({"deck": str(deck_path), "variant": name,
                             "wall_s": statistics.median(r["wall_s"] for r in times[name]),
                             "cpu_s": statistics.median(r["cpu_s"] for r in times[name]),
                             "points": times[name][-1]["points"], "klu": times[name][-1]["klu"],
                             **compare(ref, plots[name])})
    base_cpu = {r["deck"]: r["cpu_s"] for r in rows if r["variant"] == f"ngspice {v_base}"}
    print(f"\n{'deck':55s} {'variant':22s} {'CPU s':>7s} {'x 39':>6s} {'points':>7s} {'spikes':>7s} "
          f"{'count diff':>10s} {'shift us':>9s} {'dV mV':>7s}")
    for r in rows:
        r["speedup"] = base_cpu[r["deck"]] / r["cpu_s"]
        print(f"{r['deck'][-55:]:55s} {r['variant']:22s} {r['cpu_s']:7.1f} {r['speedup']:6.2f} {r['points']:7d} "
              f"{r['spikes']:7d} {r['spike_count_diff']:10d} {r['max_spike_shift_s'] * 1e6:9.2f} "
              f"{r['max_membrane_diff_v'] * 1e3:7.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "rounds": args.rounds}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
