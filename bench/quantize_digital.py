"""The digital code's nearest-level lookup (``DigitalCodeWeights.state_for``, what the trainer's
quantizer calls on every step) against the former all-levels ``argmin``, in one process,
interleaved rounds, on a 784 x 256 array of conductances (one Fashion-MNIST hidden layer's G+).

    python bench/quantize_digital.py [--threads 1] [--rounds 5] [--reps 20]
"""

import argparse
import statistics
import time

import torch

from circuitsnn.surrogates.weights import weights_for


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    w = weights_for("digital_code")
    grid = w.grid()
    g = torch.rand(256, 784, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * float(grid[-1])

    def argmin() -> torch.Tensor:  # the former lookup: every weight against every level
        return torch.argmin((g.unsqueeze(-1) - grid).abs(), dim=-1).to(torch.float64)

    def lookup() -> torch.Tensor:
        return w.state_for(g)

    assert torch.equal(argmin(), lookup())
    ms: dict[str, list[float]] = {"argmin (baseline)": [], "state_for": []}
    for _ in range(a.rounds):
        for name, f in zip(ms, (argmin, lookup)):
            f()
            t = time.perf_counter()
            for _ in range(a.reps):
                f()
            ms[name].append((time.perf_counter() - t) / a.reps * 1e3)
    base = statistics.median(ms["argmin (baseline)"])
    for name, v in ms.items():
        m = statistics.median(v)
        print(f"{name:20s} {m:7.2f} ms per 784x256 lookup   {base / m:5.2f}x the baseline")


if __name__ == "__main__":
    main()
