"""Accuracy of the read interfaces (row drivers, column read-outs), from their own testbenches.

    OMP_NUM_THREADS=1 .venv/bin/python bench/read_interfaces.py --out reports/bench/read_interfaces.json

Row drivers: read-pulse amplitude, width and area (charge through a linear device) for one
LIF-like spike on a 100 uS row; amplitude error vs row load. Column read-outs: copy error and
virtual-ground error vs column current (0.1 nA .. 1 uA), DC transfer error, and for one 10 us
read pulse with 10 ns edges through a device of 10 nS .. 10 uS: rise time, 1 % settling time,
overshoot, copied charge error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from circuitsnn.library import registry
from circuitsnn.spice import simulate


def run(name: str, tb: str, **kw) -> dict:
    comp = registry.get(name)
    bench = comp.testbench(tb, **kw)
    m = bench.measure(simulate(bench.deck))
    return {k: (np.asarray(v).tolist() if np.ndim(v) else float(v)) for k, v in m.items() if k not in ("time", "v_row")
            and not k.startswith("i_copy")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    out: dict = {}
    for c in registry.components("interface", builtin_only=True):
        ports = c.subckt(c.default_params()).ports
        if ports[0] == "in":
            out[c.name] = {"spike": run(c.name, "spike"), "load": run(c.name, "load")}
            s, ld = out[c.name]["spike"], out[c.name]["load"]
            print(f"{c.name:<16} spike: amplitude {s['amplitude_error']:+.2%} width {s['width_error']:+.2%} area "
                  f"{s['area_error']:+.2%} delay {s['delay'] * 1e9:.0f} ns | load error at "
                  + ", ".join(f"{g:g} S {e:+.2%}" for g, e in zip(ld["g_load"], ld["error"])))
        else:
            vg = run(c.name, "vground")
            tr = run(c.name, "transfer")
            steps = {g: run(c.name, "step", g_device=g) for g in (1e-8, 1e-7, 1e-6, 1e-5)}
            out[c.name] = {"vground": vg, "transfer": tr, "step": {str(g): m for g, m in steps.items()}}
            print(f"{c.name:<16} copy error vs current: "
                  + ", ".join(f"{i:g} A {max(abs(p), abs(n)):.2%}" for i, p, n in
                              zip(vg["i_col"], vg["copy_error_p"], vg["copy_error_n"]))
                  + f" | virtual ground max {max(np.max(np.abs(vg['vg_error_p'])), np.max(np.abs(vg['vg_error_n']))) * 1e3:.3f} mV"
                  + f" | DC transfer max error {tr['max_error']:.2%}")
            for g, m in steps.items():
                print(f"{'':<16} step {g:g} S: rise {max(m['rise_p'], m['rise_n']) * 1e9:.0f} ns, 1 % settle "
                      f"{max(m['settle_p'], m['settle_n']) * 1e6:.2f} us, overshoot {max(m['overshoot_p'], m['overshoot_n']):.0%}, "
                      f"charge {max(abs(m['charge_error_p']), abs(m['charge_error_n'])):.2%}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
