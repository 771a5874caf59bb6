"""Figures designers look at: transients, DC sweeps, x-y curves. PNG via matplotlib (Agg).

Never imported by the core: simulation and fitting code returns data; the CLI and reports draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .units import si_format

_SCALES = [(1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""), (1e3, "k"), (1e6, "M")]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path, title: str = "", ax=None, dpi: int = 120) -> Path:
    """Title (wrapped to fit), tight layout, PNG at ``path`` (folders made), figure closed."""
    import textwrap

    if title and ax is not None:
        ax.set_title("\n".join(textwrap.wrap(title, 75)), fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    _pyplot().close(fig)
    return path


def engineering_scale(values: np.ndarray) -> tuple[float, str]:
    """A factor and SI prefix that put the largest magnitude between 1 and 1000."""
    peak = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    if peak == 0 or not np.isfinite(peak):
        return 1.0, ""
    for factor, prefix in reversed(_SCALES):
        if peak >= factor:
            return factor, prefix
    return _SCALES[0]


def default_probes(plot, limit: int = 6) -> list[str]:
    """Node voltages first (internal subcircuit nodes last), then currents."""
    names = list(plot.signals)
    volts = [n for n in names if n.startswith("v(") and "." not in n]
    inner = [n for n in names if n.startswith("v(") and "." in n]
    amps = [n for n in names if n.startswith("i(")]
    return (volts + amps + inner)[:limit]


def plot_signals(plot, probes: Sequence[str] | None, path: str | Path, title: str = "") -> Path:
    """One panel per unit (V, A): each probed signal against the plot's axis (time or sweep)."""
    plt = _pyplot()
    probes = list(probes) if probes else default_probes(plot)
    if plot.axis is None:
        raise ValueError("an operating point has no axis to plot against; read the values instead.")
    groups: dict[str, list[str]] = {}
    for name in probes:
        arr = plot[name]  # raises KeyError naming the available signals
        del arr
        key = plot.units.get(name if name in plot.signals else _norm(name), "")
        groups.setdefault(key or "value", []).append(name)
    fig, axes = plt.subplots(len(groups), 1, sharex=True, figsize=(8, 2.6 * len(groups) + 0.6), squeeze=False)
    xfac, xpre = engineering_scale(plot.axis)
    for ax, (unit, names) in zip(axes[:, 0], groups.items()):
        yfac, ypre = engineering_scale(np.concatenate([np.real(plot[n]) for n in names]))
        for n in names:
            ax.plot(plot.axis / xfac, np.real(plot[n]) / yfac, label=_norm(n), lw=1.2)
        quantity = {"V": "voltage", "A": "current"}.get(unit, "")
        ax.set_ylabel(f"{quantity} ({ypre}{unit})" if quantity else f"{ypre}{unit}")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    label = "time" if plot.axis_name == "time" else (plot.axis_label or plot.axis_name or "sweep")
    axes[-1, 0].set_xlabel(f"{label} ({xpre}{plot.axis_unit})")
    return save_figure(fig, path, title or plot.plotname, axes[0, 0])


def _norm(name: str) -> str:
    from .spice.result import normalize_signal

    return normalize_signal(name)


def _prefixable(unit: str) -> bool:
    return bool(unit) and unit not in ("1",) and "^" not in unit and "/" not in unit


def plot_xy(
    x: np.ndarray,
    ys: dict[str, np.ndarray],
    path: str | Path,
    *,
    xlabel: str,
    ylabel: str,
    xunit: str = "",
    yunit: str = "",
    title: str = "",
    logx: bool = False,
    logy: bool = False,
    markers: bool | None = None,
) -> Path:
    """Curves against one x (f–I, conductance vs pulse number, I–V loops). Axes get SI prefixes
    (nA, µS) when the unit allows; markers are drawn for short curves."""
    plt = _pyplot()
    x = np.asarray(x, dtype=float)
    xfac, xpre = engineering_scale(x) if _prefixable(xunit) and not logx else (1.0, "")
    allys = np.concatenate([np.ravel(np.asarray(y, dtype=float)) for y in ys.values()])
    yfac, ypre = engineering_scale(allys) if _prefixable(yunit) and not logy else (1.0, "")
    if markers is None:
        markers = len(x) <= 60
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for label, y in ys.items():
        ax.plot(x / xfac, np.asarray(y, dtype=float) / yfac, "o-" if markers else "-", ms=3, lw=1.2, label=label)
    ax.set_xlabel(f"{xlabel} ({xpre}{xunit})" if xunit and xunit != "1" else xlabel)
    ax.set_ylabel(f"{ylabel} ({ypre}{yunit})" if yunit and yunit != "1" else ylabel)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if len(ys) > 1:
        ax.legend(fontsize=8)
    return save_figure(fig, path, title, ax)


def summarize(plot, probes: Iterable[str]) -> list[str]:
    """Short text lines: min/max/final of each probed signal."""
    lines = []
    for name in probes:
        arr = np.real(plot[name])
        unit = plot.units.get(_norm(name), "")
        lines.append(
            f"  {_norm(name):<16} min {si_format(arr.min(), unit):>12}   max {si_format(arr.max(), unit):>12}"
            f"   final {si_format(arr[-1], unit):>12}"
        )
    return lines
