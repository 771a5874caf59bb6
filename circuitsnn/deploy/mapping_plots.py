"""The mapping figure: per layer, the histogram of the mapping error (open loop and after
program-and-verify, the tolerance marked) and of the programming events per device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def plot_mapping(mapping: Any, path: str | Path) -> Path:
    from ..plots import _pyplot, save_figure

    plt = _pyplot()
    n = max(len(mapping.layers), 1)
    fig, axes = plt.subplots(n, 2, figsize=(10, 3.0 * n), squeeze=False)
    for row, lm in zip(axes, mapping.layers):
        m = lm.mask.astype(bool)
        tol = float(lm.info.get("tol", mapping.settings.tol))
        err = lm.rel_error[m]
        open_ = lm.open_loop_error()[m]
        floor = 1e-6
        hi = max(float(np.max(open_, initial=0.0)), float(np.max(err, initial=0.0)), 2 * tol)
        bins = np.logspace(np.log10(floor), np.log10(hi), 40)
        ax = row[0]
        ax.hist(np.clip(open_, floor, None), bins=bins, alpha=0.55, label=f"open loop (worst {open_.max(initial=0):.3g})")
        ax.hist(np.clip(err, floor, None), bins=bins, alpha=0.75,
                label=f"program-and-verify (worst {err.max(initial=0):.3g}, median {np.median(err) if err.size else 0:.2g})")
        ax.axvline(tol, color="k", ls="--", lw=1, label=f"tolerance {tol:g}")
        ax.set_xscale("log")
        ax.set_xlabel("weight error |w - w_target| / (g_max - g_min)")
        ax.set_ylabel("pairs" if lm.signed else "devices")
        ax.set_title(f"{lm.name}: {lm.synapse} {lm.shape[0]}x{lm.shape[1]}, "
                     f"{int((~lm.converged[m]).sum())} unconverged", fontsize=9)
        ax.legend(fontsize=7)
        ev = np.concatenate([p[m] for p in lm.pulses if p is not None])
        ax = row[1]
        ax.hist(ev, bins=min(40, max(int(ev.max(initial=0)) + 1, 2)), color="tab:green")
        ax.set_xlabel(f"programming events per device ({lm.info.get('kind')})")
        ax.set_ylabel("devices")
        ax.set_title(f"total {int(ev.sum())}, mean {ev.mean() if ev.size else 0:.1f}, max {int(ev.max(initial=0))}",
                     fontsize=9)
    return save_figure(fig, path)
