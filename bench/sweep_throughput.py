"""Sweep throughput: N workers vs serial on the same sweep, and an unchanged re-run vs the first.

All in one process, configurations interleaved over rounds so machine noise hits each alike:

* ``loop``      — a bare Python loop of ``BatchSimulator.run`` over the same decks (no sweep
                  machinery): the floor for serial work;
* ``serial``    — ``run_sweep`` with one thread worker;
* ``threads``   — ``run_sweep`` with N thread workers (default executor), each driving ngspice;
* ``processes`` — ``run_sweep`` with a pool of N processes.

Each sweep runs into a fresh folder (every point simulated), outputs off, so the figure is the
execution itself: building and hashing decks, simulating, storing each point. Speed-up =
serial time / parallel time (goal >= 0.9 N). Then the re-run: a first run with netCDF + CSV
export into a fresh folder, then the same sweep again (everything reused; goal >= 100x faster).

The deck: an RC low-pass under a pulse train, about 20,000 time points, ~0.1 s per ngspice run
(the order of the LIF decks in ngspice-facts.md).

Usage: python bench/sweep_throughput.py [--quick] [--points N] [--workers N] [--rounds R]
Writes reports/bench/sweep.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from circuitsnn.params import Params, quantity  # noqa: E402
from circuitsnn.library.registry import Component, Testbench, _REGISTRY, register  # noqa: E402
from circuitsnn.spice import C, Deck, Pulse, R, Subckt, Tran, V, X  # noqa: E402
from circuitsnn.spice.batch import BatchSimulator  # noqa: E402
from circuitsnn.spice.simulator import ngspice_version  # noqa: E402
from circuitsnn.sweep import SweepSpec, run_sweep  # noqa: E402
from circuitsnn.sweep.executors import default_workers  # noqa: E402

SPEEDUP_GOAL_PER_WORKER = 0.9
RERUN_GOAL = 100.0


@dataclass(frozen=True, kw_only=True)
class BenchRCParams(Params):
    """RC low-pass, τ = R·C."""

    prefix: ClassVar[str] = "benchrc"
    r: float = quantity(1e3, unit="Ohm", doc="series resistance", gt=0)
    c: float = quantity(1e-9, unit="F", doc="capacitance", gt=0)


def _subckt(p: BenchRCParams) -> Subckt:
    return Subckt(p.tag(), ("in", "out"), (R("r1", "in", "out", p.r), C("c1", "out", "0", p.c)))


def _tb(p: BenchRCParams, *, steps: int = 20000) -> Testbench:
    period = 1e-5
    sub = _subckt(p)
    deck = Deck(
        "bench sweep rc",
        elements=(V("v1", "in", "0", Pulse(0.0, 1.0, 0.0, 1e-9, 1e-9, period / 2, period)), X("x1", ("in", "out"), sub.name)),
        subckts=(sub,),
        analyses=(Tran(step=10 * period / steps, stop=10 * period, max_step=10 * period / steps),),
    )
    return Testbench("pulses", deck, ("v(out)",))


if "bench_sweep_rc" not in _REGISTRY:
    register(Component("bench_sweep_rc", "synapse", "bench", BenchRCParams, _subckt, {"pulses": _tb}, "RC for the sweep benchmark"))


def make_spec(n_points: int, steps: int) -> SweepSpec:
    n_c = 4
    n_r = max(1, n_points // n_c)
    return SweepSpec(
        component="bench_sweep_rc",
        testbench="pulses",
        stimulus={"steps": steps},
        grid={"r": {"logspace": [1e2, 1e4, n_r]}, "c": {"linspace": [1e-9, 4e-9, n_c]}},
        measures={
            "v_end": {"measure": "final_value", "signal": "out"},
            "spikes": {"measure": "spike_count", "signal": "out", "threshold": 0.5},
        },
        timeout=60,
    )


def time_sweep(spec: SweepSpec, root: Path, **kw) -> tuple[float, int]:
    folder = Path(tempfile.mkdtemp(dir=root))
    t0 = time.perf_counter()
    res = run_sweep(spec, folder, progress=False, export=False, **kw)
    dt = time.perf_counter() - t0
    assert res.failed == 0, res.summary()
    shutil.rmtree(folder, ignore_errors=True)
    return dt, res.computed


def time_loop(spec: SweepSpec) -> float:
    plan = spec.plan()
    decks = [plan.build(p)[1] for p in plan.points()]
    sim = BatchSimulator(timeout=60)
    t0 = time.perf_counter()
    for d in decks:
        sim.run(d)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few points, one round")
    ap.add_argument("--points", type=int, help="points per sweep (default 48; quick 16)")
    ap.add_argument("--workers", type=int, default=default_workers(), help="N (default: usable cores)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 3; quick 1)")
    ap.add_argument("--steps", type=int, default=20000, help="time points per deck (default 20000)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args()
    n_points = args.points or (16 if args.quick else 48)
    rounds = args.rounds or (1 if args.quick else 3)
    N = args.workers
    spec = make_spec(n_points, args.steps)
    n_points = spec.plan().size
    root = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    times: dict[str, list[float]] = {"loop": [], "serial": [], "threads": [], "processes": []}
    try:
        time_sweep(make_spec(4, 1000), root, workers=N)  # warm-up: imports, ngspice page cache
        for r in range(rounds):
            order = ["loop", "serial", "threads", "processes"]
            order = order[r % 4:] + order[: r % 4]
            for name in order:
                if name == "loop":
                    times["loop"].append(time_loop(spec))
                elif name == "serial":
                    times["serial"].append(time_sweep(spec, root, workers=1)[0])
                else:
                    times[name].append(time_sweep(spec, root, workers=N, kind=name)[0])
            print(f"  round {r + 1}/{rounds}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)

        # re-run: first run with exports (netCDF + CSV), then unchanged re-runs
        folder = root / "rerun"
        t0 = time.perf_counter()
        first = run_sweep(spec, folder, workers=N, progress=False, plots=False)
        t_first = time.perf_counter() - t0
        reruns = []
        for _ in range(5):
            t0 = time.perf_counter()
            again = run_sweep(spec, folder, workers=N, progress=False, plots=False)
            reruns.append(time.perf_counter() - t0)
            assert again.computed == 0 and again.reused == first.computed
    finally:
        shutil.rmtree(root, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    per_run = med["loop"] / n_points
    speed = {k: med["serial"] / med[k] for k in ("threads", "processes")}
    t_rerun = statistics.median(reruns)
    rerun_ratio = t_first / t_rerun
    goal = SPEEDUP_GOAL_PER_WORKER * N
    best = max(speed, key=speed.get)
    report = {
        "benchmark": "sweep_throughput",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "usable_cpus": default_workers(), "python": platform.python_version(), "ngspice": ngspice_version(), "load_avg_1m": os.getloadavg()[0]},
        "points": n_points,
        "time_points_per_deck": args.steps,
        "rounds": rounds,
        "workers": N,
        "median_s": med,
        "all_s": times,
        "ngspice_s_per_run": per_run,
        "points_per_s": {k: n_points / v for k, v in med.items()},
        "speedup_vs_serial": speed,
        "speedup_vs_bare_loop": {k: med["loop"] / med[k] for k in ("threads", "processes")},
        "speedup_goal": goal,
        "speedup_ok": speed[best] >= goal,
        "default_executor": "threads",
        "sweep_overhead_serial_vs_loop": med["serial"] / med["loop"],
        "first_run_with_export_s": t_first,
        "rerun_s_median": t_rerun,
        "rerun_s_all": reruns,
        "rerun_speedup": rerun_ratio,
        "rerun_goal": RERUN_GOAL,
        "rerun_ok": rerun_ratio >= RERUN_GOAL,
    }
    out = ROOT / "reports" / "bench" / "sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")

    print(f"\nsweep throughput: {n_points} points, ~{per_run * 1e3:.0f} ms ngspice each, {N} workers, {rounds} round(s), load {report['machine']['load_avg_1m']:.2f}")
    print(f"  {'configuration':<22} {'median s':>9} {'points/s':>9} {'vs serial':>10}")
    for k in ("loop", "serial", "threads", "processes"):
        vs = f"{speed[k]:.2f}x" if k in speed else ("1.00x" if k == "serial" else f"{med['serial'] / med[k]:.2f}x")
        label = {"loop": "bare loop (no sweep)", "serial": "sweep, 1 worker", "threads": f"sweep, {N} threads", "processes": f"sweep, {N} processes"}[k]
        print(f"  {label:<22} {med[k]:>9.2f} {n_points / med[k]:>9.1f} {vs:>10}")
    print(f"  speed-up goal >= {goal:.2f}: threads {speed['threads']:.2f}, processes {speed['processes']:.2f} -> {'met' if report['speedup_ok'] else 'MISSED'}")
    print(f"  against the bare serial loop: threads {med['loop'] / med['threads']:.2f}x, processes {med['loop'] / med['processes']:.2f}x (sweep bookkeeping: compressed waveforms, index)")
    print(f"  re-run unchanged: first {t_first:.2f} s (with netCDF + CSV), re-run {t_rerun * 1e3:.1f} ms -> {rerun_ratio:.0f}x (goal >= {RERUN_GOAL:.0f}x: {'met' if report['rerun_ok'] else 'MISSED'})")
    print(f"  wrote {out.relative_to(ROOT)}")
    if args.strict and not (report["speedup_ok"] and report["rerun_ok"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
