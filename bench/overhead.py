"""Overhead of circuitsnn's simulator back-ends against bare ``ngspice -b``, and shared-mode memory.

1. Time per run, interleaved in one process so machine noise hits every side alike:
   * ``bare``   — ``ngspice -b -n -r out.raw deck.cir`` as a subprocess, deck already on disk,
                  output not read (the least any Python caller can do);
   * ``batch``  — ``circuitsnn.spice.simulate(deck)``: render, run directory, same ngspice
                  command, binary raw read into a Result, clean-up;
   * ``shared`` — one reused ``SharedSimulator`` (libngspice in a worker process).
   Per deck: medians, and the median of the per-iteration ratios batch/bare (goal <= 1.10 on the
   representative decks, a few thousand time points each) and shared/bare.
2. Resident memory (``/proc/<pid>/status`` VmRSS) of one shared-mode worker over 1,000 runs
   cycling through the decks plus a failing deck every 50 runs (goal: growth < 50 MiB).

Usage: python bench/overhead.py [--quick] [--strict]
Writes reports/bench/overhead.json. ``--strict`` exits 1 when a goal is missed.
Full run: about 1-2 minutes on 2 cores; ``--quick`` a few seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuitsnn.errors import SimulationError  # noqa: E402
from circuitsnn.spice import (  # noqa: E402
    Deck, Op, R, V, load_text, render, simulate,
)
from circuitsnn.spice.reference import diode_rectifier, rc_pulse_train  # noqa: E402
from circuitsnn.spice.shared import SharedSimulator  # noqa: E402
from circuitsnn.spice.simulator import ngspice_version  # noqa: E402

RATIO_GOAL = 1.10
RSS_GOAL_MIB = 50.0

DECKS = {
    # An RC low-pass driven by a pulse train: linear, 5,000 time points.
    "rc": rc_pulse_train(c=1e-7, width=1e-3, stop=5e-3, step=1e-6, max_step=1e-6, title="bench rc"),
    # A half-wave rectifier: diode with series resistance, subcircuit, behavioural load; ~4,000 points.
    "diode": diode_rectifier(step=1e-6, stop=4e-3, max_step=1e-6, title="bench diode rectifier"),
    "tiny-op": Deck(
        title="bench tiny op",
        elements=(V("v1", "in", "0", 1.0), R("r1", "in", "out", 1e3), R("r2", "out", "0", 2e3)),
        analyses=(Op(),),
    ),
}
GOAL_DECKS = ("rc", "diode")
BAD_DECK = load_text("bench bad\nV1 in 0 1\nX1 in out nosuch\nR1 out 0 1k\n.tran 1u 1m\n.end\n")


def bare_runner(deck: Deck, exe: str):
    """A closure that runs plain ``ngspice -b`` on the rendered deck, already written to disk."""
    folder = Path(tempfile.mkdtemp(prefix="bench-bare-"))
    (folder / "deck.cir").write_text(render(deck))

    def run() -> None:
        proc = subprocess.run(
            [exe, "-b", "-n", "-r", "out.raw", "deck.cir"], cwd=folder, stdin=subprocess.DEVNULL, capture_output=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"bare ngspice failed on {deck.title}: {proc.stderr[-300:]!r}")

    return run, folder


def time_overhead(reps: int, shared: SharedSimulator) -> dict:
    exe = shutil.which("ngspice")
    if exe is None:
        raise SystemExit("ngspice is not installed: apt-get install -y ngspice libngspice0")
    rows = {}
    folders = []
    for name, deck in DECKS.items():
        bare, folder = bare_runner(deck, exe)
        folders.append(folder)
        points = len(simulate(deck).primary["v(in)"])
        runners = {
            "bare": bare,
            "batch": lambda d=deck: simulate(d, backend="batch"),
            "shared": lambda d=deck: shared.run(d),
        }
        for fn in runners.values():  # warm caches, start the worker
            fn()
        rows[name] = {"points": points, "runners": runners, "times": {k: [] for k in runners}}
    order = ["bare", "batch", "shared"]
    for i in range(reps):
        for name, row in rows.items():
            # rotate who goes first so no side always runs on a cold cache
            k = i % 3
            for which in order[k:] + order[:k]:
                t0 = time.perf_counter()
                row["runners"][which]()
                row["times"][which].append(time.perf_counter() - t0)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    out = {}
    for name, row in rows.items():
        t = row["times"]
        out[name] = {
            "points": row["points"],
            "median_s": {k: statistics.median(v) for k, v in t.items()},
            "ratio_batch_vs_bare": statistics.median(b / a for a, b in zip(t["bare"], t["batch"])),
            "ratio_shared_vs_bare": statistics.median(b / a for a, b in zip(t["bare"], t["shared"])),
            "in_goal": name in GOAL_DECKS,
        }
    pairs = [
        b / a for name in GOAL_DECKS for a, b in zip(rows[name]["times"]["bare"], rows[name]["times"]["batch"])
    ]
    return {"decks": out, "median_ratio_batch_vs_bare": statistics.median(pairs), "reps": reps}


def memory_growth(runs: int, shared: SharedSimulator) -> dict:
    decks = list(DECKS.values())
    shared.run(decks[0])
    pid = shared.worker_pid
    start = shared.worker_rss()
    samples = [(1, start)]
    failures = 0
    t0 = time.perf_counter()
    for i in range(2, runs + 1):
        if i % 50 == 0:
            try:
                shared.run(BAD_DECK)
            except SimulationError:
                failures += 1
        else:
            shared.run(decks[i % len(decks)])
        if i % max(runs // 10, 1) == 0:
            samples.append((i, shared.worker_rss()))
    elapsed = time.perf_counter() - t0
    if shared.worker_pid != pid:
        raise RuntimeError("the worker was replaced during the memory run; the figure would be meaningless")
    end = samples[-1][1]
    return {
        "runs": runs,
        "failing_runs": failures,
        "worker_pid": pid,
        "rss_start_mib": start / 2**20,
        "rss_end_mib": end / 2**20,
        "growth_mib": (end - start) / 2**20,
        "samples_mib": [(n, r / 2**20) for n, r in samples],
        "seconds": elapsed,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run (fewer repetitions and runs)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    ap.add_argument("--out", default=str(ROOT / "reports" / "bench" / "overhead.json"))
    args = ap.parse_args()
    reps, runs = (8, 200) if args.quick else (60, 1000)
    if not SharedSimulator.available():
        raise SystemExit("libngspice is not installed: apt-get install -y ngspice libngspice0")
    t_start = time.perf_counter()
    with SharedSimulator() as shared:
        timing = time_overhead(reps, shared)
        memory = memory_growth(runs, shared)
    ratio = timing["median_ratio_batch_vs_bare"]
    report = {
        "benchmark": "overhead",
        "quick": args.quick,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "ngspice": ngspice_version()},
        "timing": timing,
        "memory": memory,
        "goals": {
            "median_ratio_batch_vs_bare": {"value": ratio, "goal": f"<= {RATIO_GOAL}", "met": ratio <= RATIO_GOAL},
            "shared_worker_rss_growth_mib": {
                "value": memory["growth_mib"], "goal": f"< {RSS_GOAL_MIB} over {memory['runs']} runs",
                "met": memory["growth_mib"] < RSS_GOAL_MIB,
            },
        },
        "seconds": time.perf_counter() - t_start,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")

    print(f"Simulator overhead ({reps} interleaved repetitions per deck; ngspice {report['machine']['ngspice']}, "
          f"{os.cpu_count()} CPUs)")
    print(f"{'deck':<9} {'points':>6} {'bare ms':>8} {'batch ms':>9} {'shared ms':>10} {'batch/bare':>11} {'shared/bare':>12}")
    for name, d in timing["decks"].items():
        m = d["median_s"]
        star = "" if d["in_goal"] else "  (fixed cost only; not in the goal)"
        print(f"{name:<9} {d['points']:>6} {m['bare'] * 1e3:>8.2f} {m['batch'] * 1e3:>9.2f} {m['shared'] * 1e3:>10.2f} "
              f"{d['ratio_batch_vs_bare']:>11.3f} {d['ratio_shared_vs_bare']:>12.3f}{star}")
    g = report["goals"]
    print(f"median batch/bare ratio on {', '.join(GOAL_DECKS)}: {ratio:.3f} "
          f"(goal <= {RATIO_GOAL}: {'met' if g['median_ratio_batch_vs_bare']['met'] else 'MISSED'})")
    print(f"shared worker VmRSS over {memory['runs']} runs ({memory['failing_runs']} failing): "
          f"{memory['rss_start_mib']:.1f} -> {memory['rss_end_mib']:.1f} MiB, growth {memory['growth_mib']:+.2f} MiB "
          f"(goal < {RSS_GOAL_MIB:g}: {'met' if g['shared_worker_rss_growth_mib']['met'] else 'MISSED'})")
    print("  samples (run, MiB): " + ", ".join(f"{n}:{r:.1f}" for n, r in memory["samples_mib"]))
    print(f"wrote {out}  ({report['seconds']:.0f} s)")
    missed = [k for k, v in g.items() if not v["met"]]
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
