"""Training throughput (samples/s) of circuitsnn's device layers against snnTorch on the same
architecture, data and encoding, interleaved in one run.

784-256-10 on Fashion-MNIST, T = 25 steps, batch 128, Poisson rate coding, cross-entropy on the
output spike counts, Adam; ``--threads`` torch threads (default 2). Variants:

* ``snntorch``: the tutorial loop — ``spikegen.rate`` per batch, then per step ``Linear ->
  Leaky -> Linear -> Leaky`` (fast-sigmoid surrogate);
* ``ideal``: circuitsnn's layers with the ideal bounded device (the unconstrained layer:
  layer-wise input currents in one matrix product, spikes encoded once per batch);
* ``memristor``: the VTEAM memristor fitted at network scale (bounds, differential pairs);
* ``quantized``: a 16-level quantized device (straight-through gradient);
* ``hw_aware``: the memristor with a new sampled chip (fitted Monte Carlo) every batch;
* ``ideal+compile``, ``memristor+compile``: ``LIFNeurons.compile()`` — each feed-forward
  layer's forward and backward loops over the steps compiled by ``torch.compile`` into one
  pointwise loop each (compiled during the warm-up, not timed);
* ``ideal+compile+counter``, ``memristor+compile+counter``: the same with the Poisson draws
  from the counter-based generator (``[encoding] rng = "counter"``: one compiled parallel loop
  that hashes and compares, instead of torch's one-threaded Mersenne Twister). The same
  distribution of pulses; snnTorch keeps ``spikegen.rate``.

Goal (issue 12): ``ideal`` >= 2x snnTorch; each device variant <= 1.3x slower than ``ideal``.
Rounds interleave the variants so a busy machine slows them alike; the median per variant is
reported. Writes ``reports/bench/train_throughput.json``.

Usage: python bench/train_throughput.py [--quick] [--threads N] [--rounds N] [--batches N] [--only VARIANT ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

T, BATCH, HIDDEN = 25, 128, 256
DT = 4e-4  # s: 25 steps = 10 ms
RATE = 1000.0  # Hz at pixel 1


def data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    from circuitsnn.learn.data import FASHION_MNIST_DIR, load_fashion_mnist

    if FASHION_MNIST_DIR.exists():
        s = load_fashion_mnist(limit_train=n)
        return s.train.x[:n], s.train.y[:n]
    g = torch.Generator().manual_seed(0)  # same shapes without the package
    return torch.rand(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


def snntorch_variant():
    import snntorch as snn
    from snntorch import spikegen, surrogate

    torch.manual_seed(0)
    grad = surrogate.fast_sigmoid(slope=25)
    fc1, fc2 = torch.nn.Linear(784, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    lif1 = snn.Leaky(beta=0.9, spike_grad=grad)
    lif2 = snn.Leaky(beta=0.9, spike_grad=grad)
    params = list(fc1.parameters()) + list(fc2.parameters())
    opt = torch.optim.Adam(params, lr=5e-4)

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        spk_in = spikegen.rate(x * RATE * DT, num_steps=T)
        m1, m2 = lif1.init_leaky(), lif2.init_leaky()
        count = 0
        for t in range(T):
            s1, m1 = lif1(fc1(spk_in[t]), m1)
            s2, m2 = lif2(fc2(s1), m2)
            count = count + s2
        loss = torch.nn.functional.cross_entropy(count, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def circuitsnn_variant(kind: str, compile: bool = False, rng: str = "torch"):
    from circuitsnn.learn.encode import Encoder
    from circuitsnn.learn.hardware import HardwareSpec, on_chip, sample_chip
    from circuitsnn.learn.ideal import IdealConductance
    from circuitsnn.learn.layers import DeviceModel, DeviceNetwork, PulseSpec
    from circuitsnn.learn.surrogate import SpikeFunction
    from circuitsnn.surrogates.artifacts import lif_parameters
    from circuitsnn.surrogates.weights import weights_for

    if kind == "ideal":
        dev = IdealConductance(1e-9, 50e-9)
    elif kind == "quantized":
        dev = IdealConductance(1e-9, 50e-9, levels=16)
    else:
        dev = weights_for("memristor_vteam", ROOT / "examples/train/models/memristor_vteam_nS.json")
    net = DeviceNetwork([784, HIDDEN, 10], DeviceModel(dev, [0.2]), lif_parameters(ROOT / "models/lif.json"), dt=DT,
                        n_steps=T, pulse=PulseSpec(0.2, DT), spike=SpikeFunction("fast_sigmoid", 10.0), init_std=0.1)
    if compile:
        for neu in net.neurons:
            neu.compile()
    enc = Encoder("poisson", max_rate=RATE, rng=rng)
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    gen = torch.Generator().manual_seed(0)
    spec = HardwareSpec(variation=True)
    counter = [0]

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        counter[0] += 1
        chip = sample_chip(net, spec, counter[0]) if kind == "hw_aware" else None
        with on_chip(net, chip):
            out = net(enc(x, T, DT, generator=gen))
            loss = torch.nn.functional.cross_entropy(net.logits(out), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        net.project()

    return step


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds and batches")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batches", type=int, default=6)
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile variants")
    ap.add_argument("--only", nargs="+", metavar="VARIANT", help="run only these variants (and snntorch, the baseline)")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.batches = 2, 3
    torch.set_num_threads(args.threads)
    x, y = data(BATCH * args.batches)
    # name -> how to build it; built only when run ('ideal' always: the 'cost vs ideal' column)
    makers = {"snntorch": snntorch_variant,
              **{kind: (lambda kind=kind: circuitsnn_variant(kind)) for kind in ("ideal", "memristor", "quantized", "hw_aware")}}
    if not args.no_compile:
        for kind in ("ideal", "memristor"):
            makers[f"{kind}+compile"] = lambda kind=kind: circuitsnn_variant(kind, compile=True)
        for kind in ("ideal", "memristor"):
            makers[f"{kind}+compile+counter"] = lambda kind=kind: circuitsnn_variant(kind, compile=True, rng="counter")
    if args.only:
        unknown = set(args.only) - set(makers)
        if unknown:
            ap.error(f"unknown variants {sorted(unknown)}; choose from {sorted(makers)}")
    variants = {k: make() for k, make in makers.items() if not args.only or k in ("snntorch", "ideal", *args.only)}
    for step in variants.values():  # warm up
        step(x[:BATCH], y[:BATCH])
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(args.rounds):
        for name, step in variants.items():
            t0 = time.perf_counter()
            for b in range(args.batches):
                step(x[b * BATCH:(b + 1) * BATCH], y[b * BATCH:(b + 1) * BATCH])
            times[name].append(BATCH * args.batches / (time.perf_counter() - t0))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["snntorch"]
    print(f"784-{HIDDEN}-10, T = {T}, batch {BATCH}, {args.threads} threads, {args.rounds} interleaved rounds of "
          f"{args.batches} batches (median samples/s)")
    print(f"{'variant':26s} {'samples/s':>10s} {'x snnTorch':>11s} {'cost vs ideal':>14s}")
    for k, v in med.items():
        print(f"{k:26s} {v:10.0f} {v / base:11.2f} {med['ideal'] / v:14.2f}")
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_throughput.json").write_text(json.dumps(
        {"threads": args.threads, "T": T, "batch": BATCH, "hidden": HIDDEN, "rounds": times, "median": med,
         "speedup_vs_snntorch": {k: v / base for k, v in med.items()},
         "cost_vs_ideal": {k: med["ideal"] / v for k, v in med.items()}}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
