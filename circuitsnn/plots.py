"""Figures designers look at: transients, DC sweeps, Bode and Nyquist plots, noise spectra,
pole-zero maps, x-y curves. PNG via matplotlib (Agg).

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
    """Node voltages first (internal subcircuit nodes last), then currents; only signals that run
    along the plot's axis."""
    n = None if plot.axis is None else len(plot.axis)
    names = [k for k, v in plot.signals.items() if n is None or np.size(v) == n]
    volts = [n for n in names if n.startswith("v(") and "." not in n]
    inner = [n for n in names if n.startswith("v(") and "." in n]
    amps = [n for n in names if n.startswith("i(")]
    rest = [n for n in names if n not in volts and n not in inner and n not in amps]
    return (volts + amps + inner + rest)[:limit]


#: Curves longer than this are drawn from a min/max envelope (what a screen can show anyway).
MAX_DRAWN_POINTS = 20_000


def decimate(x: np.ndarray, y: np.ndarray, max_points: int = MAX_DRAWN_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points of (x, y) that draw the same picture: the minimum
    and maximum of y in each of ``max_points / 2`` buckets, in time order."""
    n = len(x)
    if n <= max_points:
        return x, y
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    xs, ys = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        seg = y[a:b]
        i, j = int(np.argmin(seg)), int(np.argmax(seg))
        for k in sorted({i, j}):
            xs.append(x[a + k])
            ys.append(seg[k])
    return np.asarray(xs), np.asarray(ys)


def plot_signals(plot, probes: Sequence[str] | None, path: str | Path, title: str = "") -> Path:
    """One panel per unit (V, A): each probed signal against the plot's axis (time or sweep).
    Complex signals are drawn as their magnitude (use :func:`plot_bode` for those)."""
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
        yfac, ypre = engineering_scale(np.concatenate([_real(plot[n]) for n in names]))
        for n in names:
            x, y = decimate(np.asarray(plot.axis, dtype=float), _real(plot[n]))
            ax.plot(x / xfac, y / yfac, label=_norm(n), lw=1.2)
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


def _real(values) -> np.ndarray:
    arr = np.asarray(values)
    return np.abs(arr) if np.iscomplexobj(arr) else arr.astype(float, copy=False)


def _ac_probes(plot, probes: Sequence[str] | None, limit: int = 4) -> list[str]:
    if probes:
        return [p for p in probes if p in plot]
    volts = [n for n in default_probes(plot, 10**6) if n.startswith("v(")]
    # The input is usually a flat 0 dB line: prefer nodes whose response varies.
    varying = [n for n in volts if np.size(plot.signals[n]) > 1 and np.ptp(np.abs(plot.signals[n])) > 0]
    return (varying or volts or default_probes(plot, 10**6))[:limit]


def plot_bode(plot, probes: Sequence[str] | None, path: str | Path, title: str = "") -> Path:
    """Bode plot of an AC analysis: magnitude (dB of the quantity's unit: dBV for V, dBA for A)
    and phase (degrees, unwrapped) against log frequency."""
    plt = _pyplot()
    names = _ac_probes(plot, probes)
    f = np.asarray(plot.frequency, dtype=float)
    fig, (ax_m, ax_p) = plt.subplots(2, 1, sharex=True, figsize=(8, 5.6))
    for n in names:
        h = np.asarray(plot[n], dtype=complex)
        with np.errstate(divide="ignore"):
            ax_m.plot(f, 20 * np.log10(np.abs(h)), lw=1.2, label=_norm(n))
        ax_p.plot(f, np.degrees(np.unwrap(np.angle(h))), lw=1.2, label=_norm(n))
    units = {plot.units.get(_norm(n), "") for n in names}
    unit = units.pop() if len(units) == 1 else ""
    ax_m.set_ylabel(f"magnitude (dB{unit})")
    ax_p.set_ylabel("phase (°)")
    ax_p.set_xlabel("frequency (Hz)")
    for ax in (ax_m, ax_p):
        ax.set_xscale("log")
        ax.grid(True, which="both", alpha=0.3)
    ax_m.legend(loc="best", fontsize=8)
    return save_figure(fig, path, title or f"{plot.plotname}: Bode plot", ax_m)


def plot_nyquist(plot, probes: Sequence[str] | None, path: str | Path, title: str = "") -> Path:
    """Nyquist plot of an AC analysis: imaginary against real part, arrows towards higher
    frequency, the lowest and highest frequency marked."""
    plt = _pyplot()
    names = _ac_probes(plot, probes)
    f = np.asarray(plot.frequency, dtype=float)
    fig, ax = plt.subplots(figsize=(6.2, 6.0))
    for n in names:
        h = np.asarray(plot[n], dtype=complex)
        (line,) = ax.plot(h.real, h.imag, lw=1.2, label=_norm(n))
        ax.plot(h.real[:1], h.imag[:1], "o", color=line.get_color(), ms=4)
        ax.plot(h.real[-1:], h.imag[-1:], "s", color=line.get_color(), ms=4)
        if len(h) > 2:
            k = len(h) // 2
            ax.annotate("", xy=(h.real[k + 1], h.imag[k + 1]), xytext=(h.real[k], h.imag[k]),
                        arrowprops={"arrowstyle": "->", "color": line.get_color()})
    unit = plot.units.get(_norm(names[0]), "") if names else ""
    ax.set_xlabel(f"real ({unit})" if unit else "real")
    ax.set_ylabel(f"imaginary ({unit})" if unit else "imaginary")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8, title=f"o {si_format(f[0], 'Hz')}  □ {si_format(f[-1], 'Hz')}" if len(f) else None)
    return save_figure(fig, path, title or f"{plot.plotname}: Nyquist plot", ax)


def plot_noise(plot, path: str | Path, title: str = "", limit: int = 6) -> Path:
    """Noise spectral densities against log frequency, log-log: the output and input-referred
    totals first, then the largest device contributions."""
    plt = _pyplot()
    f = np.asarray(plot.frequency, dtype=float)
    on_axis = default_probes(plot, 10**6)
    names = [n for n in ("onoise_spectrum", "inoise_spectrum") if n in on_axis]
    others = sorted((n for n in on_axis if n not in names), key=lambda n: -float(np.max(np.abs(plot.signals[n]))))
    names += others[: max(limit - len(names), 0)]
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for n in names:
        y = np.abs(np.asarray(plot.signals[n]))
        ax.plot(f, np.where(y > 0, y, np.nan), lw=1.6 if n.endswith("noise_spectrum") else 1.0, label=f"{n} ({plot.units.get(n, '')})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("frequency (Hz)")
    units = {plot.units.get(n, "") for n in names}
    ax.set_ylabel(f"noise density ({units.pop()})" if len(units) == 1 else "noise density")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return save_figure(fig, path, title or plot.plotname, ax)


def plot_pole_zero(plot, path: str | Path, title: str = "") -> Path:
    """Poles (x) and zeros (o) in the complex s-plane, in rad/s."""
    plt = _pyplot()
    poles, zeros = plot.poles, plot.zeros
    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    everything = np.concatenate([poles, zeros]) if len(poles) + len(zeros) else np.zeros(1, complex)
    fac, pre = engineering_scale(np.concatenate([everything.real, everything.imag]))
    if len(poles):
        ax.plot(poles.real / fac, poles.imag / fac, "x", ms=9, mew=2, label=f"{len(poles)} poles")
    if len(zeros):
        ax.plot(zeros.real / fac, zeros.imag / fac, "o", ms=8, mfc="none", mew=1.5, label=f"{len(zeros)} zeros")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlabel(f"σ ({pre}rad/s)")
    ax.set_ylabel(f"jω ({pre}rad/s)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return save_figure(fig, path, title or plot.plotname, ax)


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
        arr = _real(plot[name])
        if arr.size == 0:
            lines.append(f"  {_norm(name):<16} no points")
            continue
        unit = plot.units.get(_norm(name), "")
        lines.append(
            f"  {_norm(name):<16} min {si_format(arr.min(), unit):>12}   max {si_format(arr.max(), unit):>12}"
            f"   final {si_format(arr[-1], unit):>12}"
        )
    return lines
