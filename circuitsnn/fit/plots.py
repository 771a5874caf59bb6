"""PNG figures of a surrogate fit: SPICE and surrogate overlaid, residuals below, spike rasters.

Only the CLI draws; the fitting code hands back :class:`~.outcome.Overlay` and
:class:`~.outcome.Raster` data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..plots import _pyplot, engineering_scale, save_figure
from .outcome import Overlay, Raster


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def _unit_split(label: str) -> tuple[str, str]:
    m = re.match(r"^(.*)\(([^()]*)\)\s*$", label)
    return (m.group(1).strip(), m.group(2).strip()) if m else (label, "")


def _scaled(values: np.ndarray, label: str) -> tuple[float, str]:
    name, unit = _unit_split(label)
    if unit in ("", "1") or not np.size(values):
        return 1.0, label
    factor, prefix = engineering_scale(np.asarray(values, float))
    return factor, f"{name} ({prefix}{unit})"


def plot_overlay(fig_data: Overlay, path: str | Path) -> Path:
    """Top: SPICE (solid) and surrogate (dashed); bottom: surrogate - SPICE, or on a log axis
    surrogate / SPICE - 1 (the error a log axis shows)."""
    from ..plots import _marks

    plt = _pyplot()
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(7.5, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    x = np.asarray(fig_data.x, float)
    ys = np.atleast_2d(np.asarray(fig_data.spice, float))
    ym = np.atleast_2d(np.asarray(fig_data.model, float))
    logy = fig_data.logy and np.all(ys > 0)
    fx, xlabel = _scaled(x, fig_data.xlabel) if not fig_data.logx else (1.0, fig_data.xlabel)
    fy, ylabel = _scaled(ys, fig_data.ylabel) if not logy else (1.0, fig_data.ylabel)
    if logy:
        resid = ym / ys - 1
        fr, rlabel = 1.0, "surrogate / SPICE - 1"
    else:
        resid = ym - ys
        fr, rlabel = _scaled(resid, "surrogate - SPICE (" + _unit_split(fig_data.ylabel)[1] + ")")
    labels = fig_data.labels or tuple("" for _ in ys)
    style = dict(marker="o", markersize=3) if fig_data.marker else {}
    for k, (a, b, r) in enumerate(zip(ys, ym, resid)):
        color = f"C{k % 10}"
        lab = labels[k] if k < len(labels) else ""
        xk = x[k] if x.ndim == 2 else x  # a 2-D x: one row per curve (loops at several frequencies)
        ax.plot(xk / fx, a / fy, "-", color=color, lw=1.6, label=f"SPICE {lab}".strip(), **style)
        ax.plot(xk / fx, b / fy, "--", color="k" if len(ys) == 1 else color, lw=1.0,
                label=f"surrogate {lab}".strip() if k == 0 or lab else None)
        axr.plot(xk / fx, r / fr, "-", color=color, lw=0.9, **style)
    if logy:
        ax.set_yscale("log")
    else:
        ax.ticklabel_format(axis="y", useOffset=False)
    if fig_data.logx:
        ax.set_xscale("log")
    ax.set_ylabel(ylabel)
    axr.set_ylabel(rlabel, fontsize=8)
    axr.set_xlabel(xlabel)
    axr.axhline(0, color="0.5", lw=0.6)
    ax.grid(alpha=0.3, which="both" if logy else "major")
    axr.grid(alpha=0.3)
    _marks(ax, fig_data.marks, fx)
    ax.legend(fontsize=7, ncol=2 if len(ys) > 2 else 1)
    title = fig_data.title + ("" if fig_data.held_out else "")
    return save_figure(fig, path, title, ax)


def plot_raster(fig_data: Raster, path: str | Path) -> Path:
    """One row pair per train: SPICE spikes (tall ticks) and surrogate spikes (short ticks)."""
    plt = _pyplot()
    n = len(fig_data.spice)
    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.6 * n))
    f, tlabel = _scaled(np.array([fig_data.t_stop]), "time (s)")
    for k in range(n):
        y = n - 1 - k
        a = np.asarray(fig_data.spice[k], float)
        b = np.asarray(fig_data.model[k], float) if k < len(fig_data.model) else np.zeros(0)
        ax.vlines(a / f, y + 0.05, y + 0.45, color="C0", lw=1.2, label="SPICE" if k == 0 else None)
        ax.vlines(b / f, y - 0.45, y - 0.05, color="C3", lw=1.2, label="surrogate" if k == 0 else None)
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"#{n - 1 - y}" for y in range(n)])
    ax.set_xlim(0, fig_data.t_stop / f)
    ax.set_xlabel(tlabel)
    ax.legend(fontsize=7, loc="upper right")
    return save_figure(fig, path, fig_data.title, ax)


def plot_all(figures, out_dir: str | Path, prefix: str) -> list[Path]:
    """Every figure of a fit as ``<out_dir>/<prefix>_<k>_<title>.png``."""
    out = Path(out_dir)
    paths = []
    for k, fig in enumerate(figures):
        path = out / f"{prefix}_{k:02d}_{_slug(fig.title)}.png"
        if isinstance(fig, Raster):
            paths.append(plot_raster(fig, path))
        else:
            paths.append(plot_overlay(fig, path))
    return paths
