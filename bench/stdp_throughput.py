"""STDP throughput: circuitsnn's Diehl & Cook network against Brian2 on the same network, sizes
and presentation time, interleaved in one run.

Network (both simulators): 64 Poisson inputs (digits-sized), N_e excitatory LIF neurons
(tau_m 20 ms, v_th 0.5 V, exact integration), lateral inhibition onto every other neuron,
adaptive thresholds, Diehl & Cook's triplet rule, weights normalized after every presentation;
dt 0.5 ms, 350 ms presentation + 150 ms rest. circuitsnn runs it as ``circuitsnn stdp`` does
(:class:`circuitsnn.learn.stdp.network.SpikingLayer`, ideal weights, and one device family to show
what programming through a device costs), with batches of B independent samples (B = 1: the
sequential network). Brian2 runs in a benchmark-only environment (Brian2 2.9.0 needs numpy
2.3.x; ``bench/.venv-brian2``, created here when missing) with its cython and numpy targets;
one warm-up presentation (code generation, compilation) is excluded.

    python bench/stdp_throughput.py [--sizes 100 400] [--batch 32] [--samples 5] [--rounds 2] [--quick]

Writes ``reports/bench/stdp_throughput.json`` and prints a table of samples/s and ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-brian2"
PARAMS = {"n_input": 64, "dt": 0.5e-3, "t_present": 0.35, "t_rest": 0.15, "max_rate": 255.0, "tau_m": 0.02,
          "v_rest": 0.0, "v_reset": 0.0, "v_th": 0.5, "theta_plus": 0.5e-3, "tau_plus": 0.02, "tau_minus": 0.02,
          "tau_y": 0.04, "nu_pre": 5e-5, "nu_post": 0.005, "normalize": 0.1, "charge_fraction": 0.2, "inhibition": 1.0}


def ensure_brian2() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        print("creating bench/.venv-brian2 (brian2 2.9.0, numpy 2.3.x, cython) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "numpy>=2.3,<2.4", "brian2==2.9.0", "cython"], check=True)
    return py


def brian2(py: Path, target: str, n_e: int, samples: int) -> dict:
    a = dict(PARAMS, target=target, n_e=n_e, samples=samples)
    a["dv_max"] = PARAMS["charge_fraction"] * (PARAMS["v_th"] - PARAMS["v_rest"])
    a["dv_inh"] = PARAMS["inhibition"] * (PARAMS["v_th"] - PARAMS["v_rest"])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([str(py), str(HERE / "_stdp_brian2_dc.py"), json.dumps(a)], capture_output=True, text=True,
                         env=env, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"brian2 ({target}) failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ours(n_e: int, batch: int, samples: int, component: str | None = None) -> float:
    """Seconds per presentation (sample) of circuitsnn's network, learning included."""
    from circuitsnn.library import registry
    from circuitsnn.learn.stdp.devices import programmer_for
    from circuitsnn.learn.stdp.network import LayerSpec, SpikingLayer, normalize_request
    from circuitsnn.learn.stdp.triplet import TripletSTDPParameters, triplet_stdp_presentation
    from circuitsnn.surrogates.neuron import NeuronSurrogate

    comp = registry.get("lif")
    neuron = NeuronSurrogate.nominal(comp, dataclasses.replace(comp.default_params(), r=2e9))
    if component is None:
        prog = programmer_for(None, g_min=0.0, g_max=10e-9, v_read=0.2)
    else:
        from circuitsnn.surrogates.weights import weights_for

        prog = programmer_for(weights_for(component))
    P = PARAMS
    amp = prog.v_read if component is None else prog.device.v_read
    q_th = float(neuron.params.c_m * (neuron.params.v_th - neuron.params.v_rest))
    g_top = float(prog.read(torch.tensor([1.0 if component is None else prog.device.bounds[1]], dtype=torch.float64), amp).abs().max())
    spec = LayerSpec(n_input=P["n_input"], n_neurons=n_e, dt=P["dt"], t_present=P["t_present"], t_rest=P["t_rest"],
                     max_rate=P["max_rate"], amplitude=amp, width=P["charge_fraction"] * q_th / g_top,
                     inhibition=P["inhibition"], theta_plus=P["theta_plus"], min_spikes=0, max_retries=0)
    g = torch.Generator().manual_seed(0)
    layer = SpikingLayer(spec, prog, neuron, prog.states_for(torch.rand(P["n_input"], n_e, generator=g, dtype=torch.float64) * 0.3))
    rule = TripletSTDPParameters(a2_plus=0.0, a3_plus=P["nu_post"], a2_minus=P["nu_pre"], a3_minus=0.0,
                                 tau_plus=P["tau_plus"], tau_minus=P["tau_minus"], tau_y=P["tau_y"])
    x = torch.rand(samples + batch, P["n_input"], generator=g, dtype=torch.float64) * (
        torch.rand(samples + batch, P["n_input"], generator=g) < 0.4)

    def step(xb):
        out = layer.present(xb, g)
        w = layer.weights()
        dw = sum(triplet_stdp_presentation(s, z, w, rule, spec.dt) for s, z, _, _ in out["shows"])
        layer.program(normalize_request(w, dw, P["normalize"] * P["n_input"]), g)
        layer.theta += spec.theta_plus * out["counts"].sum(0)

    step(x[:batch])  # warm-up (TorchScript compilation)
    t0 = time.perf_counter()
    n = 0
    for k in range(batch, batch + samples, batch):
        xb = x[k:k + batch]
        step(xb)
        n += len(xb)
    return (time.perf_counter() - t0) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 400])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--samples", type=int, default=5, help="Brian2 presentations per measurement")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--targets", nargs="+", default=["cython", "numpy"])
    ap.add_argument("--device", default="digital_code", help="a synapse family measured beside ideal weights")
    ap.add_argument("--out", type=Path, default=HERE.parent / "reports" / "bench" / "stdp_throughput.json")
    ap.add_argument("--quick", action="store_true", help="N_e = 100 only, one round, cython only")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.rounds, args.targets = [100], 1, ["cython"]
    torch.set_num_threads(1)
    py = ensure_brian2()
    res: dict = {"params": PARAMS, "batch": args.batch, "rounds": args.rounds, "sizes": {}}
    for n_e in args.sizes:
        m: dict[str, list[float]] = {}
        for r in range(args.rounds):  # interleaved: every simulator in every round
            for tgt in args.targets:
                b = brian2(py, tgt, n_e, args.samples)
                m.setdefault(f"brian2_{tgt}", []).append(b["s_per_presentation"])
                res.setdefault("brian2_versions", {"brian2": b["brian2"], "numpy": b["numpy"]})
                print(f"N_e={n_e} round {r}: brian2 {tgt} {b['s_per_presentation']:.3f} s/sample "
                      f"(warm-up {b['warmup_s']:.1f} s)", flush=True)
            for label, batch, comp in (("circuitsnn_B1", 1, None), (f"circuitsnn_B{args.batch}", args.batch, None),
                                       (f"circuitsnn_B{args.batch}_{args.device}", args.batch, args.device)):
                s = ours(n_e, batch, max(args.samples, batch * 2 if batch > 1 else args.samples), comp)
                m.setdefault(label, []).append(s)
                print(f"N_e={n_e} round {r}: {label} {s:.4f} s/sample", flush=True)
        med = {k: statistics.median(v) for k, v in m.items()}
        base = med.get("brian2_cython", next(iter(med.values())))
        res["sizes"][str(n_e)] = {"s_per_sample": med, "samples_per_s": {k: 1 / v for k, v in med.items()},
                                  "speedup_vs_brian2_cython": {k: base / v for k, v in med.items()},
                                  "all": m}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print("\n| N_e | simulator | samples/s | x Brian2 cython |\n|---|---|---|---|")
    for n_e, d in res["sizes"].items():
        for k, v in d["samples_per_s"].items():
            print(f"| {n_e} | {k} | {v:.2f} | {d['speedup_vs_brian2_cython'][k]:.1f} |")
    print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
