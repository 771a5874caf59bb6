"""Plots of a plasticity run (PNG, matplotlib Agg): accuracy against noise for the plastic and
the static network, the learned rule coefficients, ``E`` and ``M(t)`` over one episode, and the
pair conductances over the episode against the family's reachable range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..plots import _plt


def _phases(ax, phases) -> None:
    for name, a, b in phases:
        ax.axvspan(a, b, color="0.9" if name.startswith(("pair", "cue")) else "#fde8c8" if "query" in name else "#e8f0fd",
                   lw=0)


def plastic_plots(nets: dict[str, Any], task, summary: dict[str, Any], out: Path) -> list[Path]:
    plt = _plt()
    paths = []
    # 1. accuracy vs noise
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for label, acc in summary["accuracy_vs_noise"].items():
        z = sorted(acc, key=float)
        ax.plot([float(k) for k in z], [100 * acc[k] for k in z], "o-", label=label)
    ax.axhline(100 * summary["chance"], color="k", ls=":", label="chance")
    ax.set_xlabel("noise (fraction of pattern lines flipped)")
    ax.set_ylabel("query accuracy (%)")
    ax.set_title(f"{summary['task']}: {summary['rule']} ({summary['modulation']}), {summary['component']}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(out / "accuracy_vs_noise.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    net = nets["plastic"]
    # 2. learned coefficients
    co = net.coefficients()
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(12, 3.4))
    a.bar(["eta", "eta_e"], [co["eta"], co["eta_e"]])
    a.set_title("rule rates (per layer)")
    al = net.alpha.detach().numpy()
    im = b.imshow(al, aspect="auto", cmap="coolwarm", vmin=-np.abs(al).max(), vmax=np.abs(al).max())
    b.set_xlabel("input line (patterns, then labels)")
    b.set_ylabel("output neuron")
    b.set_title("alpha (per synapse)")
    fig.colorbar(im, ax=b)
    c.plot(co["m_x"], "o-", ms=3, label="inputs")
    c.plot(range(len(co["m_x"]), len(co["m_x"]) + len(co["m_y"])), co["m_y"], "s-", ms=3, label="outputs")
    c.axhline(co["m_bias"], color="k", ls=":", label="bias")
    c.set_title("neuromodulator readout M = tanh(a.x + b)" if net.modulation != "none" else "readout (unused: no modulation)",
                fontsize=9)
    c.legend(fontsize=8)
    fig.tight_layout()
    paths.append(out / "coefficients.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    # 3./4. one episode: E, M, conductances
    g = torch.Generator().manual_seed(7)
    ep = task.sample(1, g)
    with torch.no_grad():
        r = net(ep.x, generator=g, record=True)
    t = np.arange(len(r.E_mean))
    fig, (a, b) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    _phases(a, ep.phases)
    E = r.E_trace.numpy()
    idx = np.argsort(-np.abs(E[-1]).ravel())[:6]
    for k in idx:
        i, j = np.unravel_index(k, E.shape[1:])
        a.plot(t, E[:, i, j], lw=1, label=f"E[{i},{j}]")
    a.plot(t, r.E_mean, "k", lw=2, label="mean |E|")
    a.set_ylabel("E (normalized weight)")
    a.legend(fontsize=7, ncol=4)
    a.set_title("grey: pairs/cues shown, blue: delay, orange: queries", fontsize=9)
    _phases(b, ep.phases)
    b.plot(t, r.M, color="C3")
    b.set_ylabel("M(t)")
    b.set_xlabel("step")
    fig.tight_layout()
    paths.append(out / "episode_E_M.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    _phases(ax, ep.phases)
    gp, gn = r.gp.numpy(), r.gn.numpy()
    for n, k in enumerate(idx[:4]):
        i, j = np.unravel_index(k, E.shape[1:])
        ax.plot(t, gp[:, i, j] * 1e9, color=f"C{n}", lw=1, label=f"G+[{i},{j}]")
        ax.plot(t, gn[:, i, j] * 1e9, color=f"C{n}", lw=1, ls="--", label=f"G-[{i},{j}]")
    ax.axhline(net.model.g_min * 1e9, color="k", ls=":")
    ax.axhline(net.model.g_max * 1e9, color="k", ls=":", label="device range")
    ax.set_ylabel("conductance (nS)")
    ax.set_xlabel("step")
    upd = "device update (" + net.update.kind + ")" if net.device_update else "ideal update"
    ax.set_title(f"{net.model.device.component}: {upd}; min {gp.min() * 1e9:.3g}, max {gp.max() * 1e9:.3g} nS",
                 fontsize=9)
    ax.legend(fontsize=7, ncol=5)
    fig.tight_layout()
    paths.append(out / "episode_conductances.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
