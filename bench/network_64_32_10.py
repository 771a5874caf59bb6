"""A 64-32-10 network of LIF neurons with each synapse family, read through virtual-ground
columns, driven by 20 ms of seeded Poisson input: spikes per layer and ngspice time per sample.

Reproduces the table of issue 8's network criterion (each line one part of it)::

    export OMP_NUM_THREADS=1; B=".venv/bin/python bench/network_64_32_10.py"; R=reports/bench
    $B --samples 3 --fidelity read --out $R/network_64_32_10_read.json          # every family, read mode
    $B --samples 1 --fidelity full --families digital_code_bitlines --out $R/network_64_32_10_full_digital.json
    $B --samples 1 --fidelity full --window 2e-3 --families optocoupler memristor_biolek schottky_gated \
       memristor_vteam --out $R/network_64_32_10_full_2ms.json                  # full devices: first 2 ms
    $B --samples 1 --fidelity read --window 2e-3 --families ... --out $R/network_64_32_10_read_2ms.json
    $B --samples 1 --fidelity read --cmos --families memristor_vteam digital_code_bitlines \
       --out $R/network_64_32_10_cmos_read.json                                 # transistor read interfaces

Full device models (each device its own law with its state equation) are expensive: the
behavioural state rates dominate ngspice's matrix load time. The
read-mode decks replace each device by its read law at its state (identical spikes while reading
does not program; see ``tests/test_network.py``), and the 2 ms full-device windows give the
full models' cost and spikes over the same inputs.

Scaling rule (one rule for every family, so their activity is comparable):

1. weights are drawn in *current* units: ``W_l = s_l * Z_l`` (A that an active row adds to a
   neuron), ``Z_l ~ Normal(mu, 1)`` seeded (``mu = 0.3``: about 38 % inhibitory weights);
2. ``s_l`` is chosen layer by layer, by bisection on the exact ideal-read reference
   (:func:`circuitsnn.network.simulate_ideal`) over calibration samples (other seeds than the
   measured ones), so that the layer's mean rate is ``--rate`` (default 50 Hz: one spike per
   neuron per 20 ms sample; far from silence and from the LIF's 5 kHz ceiling);
3. each family gets ``W_l / v_read`` (S) at its own read bias, mapped through its weight
   interface onto differential pairs; device parameters are chosen (``FAMILIES``) so that every
   weight lies inside the family's reachable range (no clipping), and the realized weights
   (DAC grid, integer codes) are what the deck carries.

Inputs: digits-like 8x8 rate images (seven-segment glyphs, ``digit_rates``) of the digits 0, 1,
2, ..., pixel rates proportional to intensity and normalized to a total of ``--r-total`` Hz (4 kHz:
about 80 spikes per 20 ms sample), Poisson trains with a seed per sample.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from circuitsnn.network import Layer, ReadInterface, Topology, build_deck, digit_rates, poisson, simulate_ideal, simulate_network
from circuitsnn.network.ideal import lif_layer
from circuitsnn.library.neurons.lif import LIFParams
from circuitsnn.spice.simulator import ngspice_version

SIZES = (64, 32, 10)
T_STOP = 20e-3

#: the LIF of every layer: the library's 1 ms time constant at a tenth of its capacitance (1 pF,
#: 1 GOhm, Q_th = 0.5 pC). The weights calibrated on it (about 10-15 nA per active row, |W| <= 46
#: nA) lie inside every family's network-scale range at its library defaults (README, "Default
#: scales in a network": VTEAM, Biolek and the optocoupler reach ~0.1 uA at their read bias, the
#: 5 um^2 Schottky junction 48 nA at 1 V, the digital code 75 nA in 5 nA steps); the default
#: 10 pF LIF would need ten times the current and clip 35-75 % of them
LIF = dict(c=1e-12, r=1e9)

#: per family: the component and the device parameters that put the weights inside its range
#: (the library defaults: the network scales)
FAMILIES = {
    "memristor_vteam": dict(synapse="memristor_vteam", params={}),
    "memristor_biolek": dict(synapse="memristor_biolek", params={}),
    "schottky_gated": dict(synapse="schottky_gated", params={}),
    "optocoupler": dict(synapse="optocoupler", params={}),
    "digital_code_bitlines": dict(synapse="digital_code_bitlines", params={}),
}


def samples(n: int, first_seed: int, r_total: float, t_stop: float = T_STOP):
    """Digits 0, 1, 2, ... as digits-like images, rates normalized to a total of ``r_total`` Hz
    over the 64 inputs (a sparse 1 and a dense 8 drive the network alike), Poisson trains."""
    out = []
    for k in range(n):
        r = digit_rates(k % 10, 1.0, seed=first_seed + k)
        out.append(poisson(r * (r_total / r.sum()), t_stop, seed=first_seed + 1000 + k))
    return out


def calibrate(z: list[np.ndarray], calib, rate: float, p: LIFParams, t_stop: float) -> list[float]:
    """Current scales s_l (A) so that each layer's mean rate on ``calib`` is ``rate`` (Hz)."""
    scales = []
    inputs = [(s.times, s.width) for s in calib]
    for k, zl in enumerate(z):
        n_out = zl.shape[1]

        def mean_rate(s: float) -> float:
            counts = [sum(x.size for x in lif_layer(t, w, zl * s, p, t_stop)) for t, w in inputs]
            return float(np.mean(counts)) / n_out / t_stop

        lo, hi = 1e-9, 1e-9
        while mean_rate(hi) < rate:
            lo, hi = hi, hi * 2
        for _ in range(30):
            mid = np.sqrt(lo * hi)
            lo, hi = (mid, hi) if mean_rate(mid) < rate else (lo, mid)
        s = float(np.sqrt(lo * hi))
        scales.append(s)
        nxt = []
        for t, w in inputs:
            out = lif_layer(t, w, zl * s, p, t_stop)
            nxt.append(([x + p.t_delay for x in out], p.t_spike))
        inputs = nxt
    return scales


def topology(family: str, w_current: list[np.ndarray], *, read: ReadInterface | None = None,
             neuron_params=None, sim_options=None, max_step=None, fidelity: str = "full") -> Topology:
    spec = FAMILIES[family]
    layers = []
    for wl in w_current:
        probe = Layer(spec["synapse"], states=(np.zeros((1, 1)), np.zeros((1, 1))), synapse_params=spec["params"])
        layers.append(Layer(spec["synapse"], weights=wl / probe.v_read, synapse_params=spec["params"], read=read,
                            neuron_params=neuron_params, fidelity=fidelity))
    return Topology(SIZES[0], layers, name=f"digits-like {family}", sim_options=sim_options, max_step=max_step)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--families", nargs="*", default=list(FAMILIES))
    ap.add_argument("--samples", type=int, default=2, help="measured samples per family")
    ap.add_argument("--calib", type=int, default=10, help="calibration samples (ideal reference only)")
    ap.add_argument("--rate", type=float, default=50.0, help="target mean rate per layer (Hz)")
    ap.add_argument("--r-total", type=float, default=4000.0, help="total input rate of a sample (Hz, all 64 inputs)")
    ap.add_argument("--mu", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--t-stop", type=float, default=T_STOP)
    ap.add_argument("--max-step", type=float, default=None, help="override the inherited max step (s)")
    ap.add_argument("--method", default=None, help="override the integration method (gear/trap)")
    ap.add_argument("--cmos", action="store_true", help="transistor-level row drivers and column read-outs")
    ap.add_argument("--fidelity", choices=("full", "read"), default="full",
                    help="full: every device its own subcircuit with its state dynamics; read: its read law at its state")
    ap.add_argument("--window", type=float, default=None,
                    help="simulate only the first WINDOW s of each sample (cost of slow full-device decks)")
    ap.add_argument("--write-deck", type=Path, default=None, help="write the first sample's deck per family here")
    ap.add_argument("--out", type=Path, default=None, help="JSON results")
    ap.add_argument("--timeout", type=float, default=7200.0)
    args = ap.parse_args(argv)

    p = LIFParams(**LIF)
    rng = np.random.default_rng(args.seed)
    z = [rng.standard_normal((a, b)) + args.mu for a, b in zip(SIZES[:-1], SIZES[1:])]
    calib = samples(args.calib, 10_000, args.r_total, args.t_stop)
    scales = calibrate(z, calib, args.rate, p, args.t_stop)
    w_current = [s * zl for s, zl in zip(scales, z)]
    print(f"scales (A per active row): {', '.join(f'{s:.4g}' for s in scales)}", flush=True)
    measured = samples(args.samples, 0, args.r_total, args.t_stop)
    opts = {"method": args.method} if args.method else None
    read, neuron = None, p
    if args.cmos:
        read = ReadInterface.cmos()
        # the n-side copy needs the membrane above v_ref + ~50 mV: rest and reset at 0.3 V
        neuron = LIFParams(**LIF, v_rest=0.3, v_reset=0.3, v_th=0.8)
    rows = []
    for fam in args.families:
        topo = topology(fam, w_current, read=read, neuron_params=neuron, sim_options=opts, max_step=args.max_step,
                        fidelity=args.fidelity)
        desc = topo.describe()
        clipped = [d["clipped"] for d in desc]
        if any(clipped):
            print(f"{fam}: weights outside the reachable range, clipped per layer: {clipped}", flush=True)
        for k, st in enumerate(measured):
            if args.window:
                st = st.until(args.window)
            net = build_deck(topo, st, prints="none")
            if args.write_deck and k == 0:
                net.write(args.write_deck / f"{fam}.cir")
            ideal = simulate_ideal(topo, st)
            t0 = time.perf_counter()
            try:
                res = simulate_network(net, timeout=args.timeout)
                err = ""
            except Exception as exc:  # a failing family is reported, the others still run
                res, err = None, f"{type(exc).__name__}: {exc}"
            wall = time.perf_counter() - t0
            load = os.getloadavg()[0]
            row = {
                "family": fam, "sample": k, "input_spikes": st.count,
                "spikes": list(res.counts) if res else None,
                "ideal_spikes": [int(sum(x.size for x in layer)) for layer in ideal],
                "ngspice_s": res.elapsed if res else None, "ngspice_cpu_s": res.cpu if res else None, "wall_s": wall, "points": res.points if res else None,
                "devices": list(net.devices), "omitted": list(net.omitted), "load_1min": load, "error": err,
                "options": dict(net.deck.options), "max_step": net.deck.tran.max_step, "fidelity": args.fidelity,
                "t_stop": st.t_stop, "spike_times": [[np.round(t, 7).tolist() for t in layer] for layer in res.spikes]
                if res else None,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
        rows.append({"family": fam, "layers": [{k: (v if not isinstance(v, tuple) else list(v)) for k, v in d.items()}
                                                for d in desc]})
    report = {
        "sizes": SIZES, "t_stop": args.t_stop, "scales_A": scales, "rate_target_Hz": args.rate, "mu": args.mu,
        "r_total_Hz": args.r_total, "lif": LIF, "families": {f: FAMILIES[f] for f in args.families}, "cmos": args.cmos,
        "fidelity": args.fidelity, "window": args.window,
        "ngspice": ngspice_version(), "python": sys.version.split()[0], "machine": platform.platform(),
        "cpus": os.cpu_count(), "rows": rows,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, default=float))
    print(table(report))
    return 0


def table(report: dict) -> str:
    """Markdown: per family, mean spikes per layer (input, hidden, output), the ideal-read
    reference's, ngspice seconds (wall and CPU) per sample, time points."""
    sec = report["t_stop"]
    lines = [f"| family | fidelity | spikes in / hidden / out (mean of samples) | ideal ref. hidden / out | "
             f"ngspice wall s per {sec * 1e3:g} ms | ngspice CPU s | time points | devices | load |",
             "|---|---|---|---|---|---|---|---|---|"]
    fams: dict[str, list] = {}
    for r in report["rows"]:
        if "sample" in r:
            fams.setdefault(r["family"], []).append(r)
    for fam, rows in fams.items():
        ok = [r for r in rows if r["spikes"] is not None]
        if not ok:
            lines.append(f"| {fam} | {rows[0]['fidelity']} | failed: {rows[0]['error'][:60]} | | | | | | |")
            continue
        sp = np.mean([r["spikes"] for r in ok], axis=0)
        ideal = np.mean([r["ideal_spikes"] for r in ok], axis=0)
        inp = np.mean([r["input_spikes"] for r in ok])
        cpu = [r["ngspice_cpu_s"] for r in ok if r["ngspice_cpu_s"] is not None]
        lines.append(
            f"| {fam} | {ok[0]['fidelity']} | {inp:.1f} / {' / '.join(f'{x:.1f}' for x in sp)} | "
            f"{' / '.join(f'{x:.1f}' for x in ideal)} | {np.mean([r['ngspice_s'] for r in ok]):.1f} | "
            f"{np.mean(cpu):.1f} | {np.mean([r['points'] for r in ok]):.0f} | {sum(ok[0]['devices'])} | "
            f"{np.mean([r['load_1min'] for r in ok]):.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
