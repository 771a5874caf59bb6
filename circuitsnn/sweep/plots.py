"""Sweep figures (PNG, matplotlib Agg), one set per measure:

* ``<measure>_curves.png`` — a family of curves: the measure against the first swept axis,
  one curve per value of the second; Monte Carlo as mean ± σ bands;
* ``<measure>_heatmap.png`` — with two or more swept axes: the measure over the first two
  (Monte Carlo mean);
* ``<measure>_hist.png`` — with Monte Carlo: histograms over samples with mean and σ, for up
  to six points of the other axes.

Further axes are held at their first value; the title says which.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from ..plots import _pyplot, engineering_scale
from ..units import si_format

MAX_CURVES = 8
MAX_HISTS = 6


def _label(ds, dim: str, value) -> str:
    unit = ds[dim].attrs.get("units", "")
    if isinstance(value, (float, np.floating)):
        return f"{dim}={si_format(float(value), '' if unit in ('1',) else unit, 3)}"
    return f"{dim}={value}"


def _axis_text(ds, name: str, prefix: str = "") -> str:
    unit = ds[name].attrs.get("units", "") if name in ds.variables else ""
    if unit and unit != "1":
        return f"{name} [{prefix}{unit}]"
    return f"{name} [×{_PREFIX_FACTOR[prefix]:g}]" if prefix else name


_PREFIX_FACTOR = {"p": 1e-12, "n": 1e-9, "µ": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6}


def _is_log(values: np.ndarray) -> bool:
    v = np.asarray(values, dtype=float)
    if len(v) < 3 or np.any(v <= 0):
        return False
    return v.max() / v.min() > 50


def _swept(ds) -> list[str]:
    return [d for d in ds.dims if d != "sample" and ds.sizes[d] > 1]


def _numeric(ds, dim: str) -> bool:
    return ds[dim].dtype.kind in "iuf"


def _reduce_rest(da, keep: list[str]):
    """Hold every other swept axis at its first value; return the array and a note."""
    notes = []
    for d in da.dims:
        if d not in keep and d != "sample":
            if da.sizes[d] > 1:
                notes.append(_label(da, d, da[d].values[0]))
            da = da.isel({d: 0})
    return da, ", ".join(notes)


def plot_curves(ds, measure: str, path: Path) -> Path | None:
    swept = _swept(ds)
    xdims = [d for d in swept if _numeric(ds, d)]
    if not xdims:
        return None
    xdim = xdims[0]
    fam = next((d for d in swept if d != xdim), None)
    da, note = _reduce_rest(ds[measure], [xdim] + ([fam] if fam else []))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.asarray(ds[xdim].values, dtype=float)
    xlog = _is_log(x)
    xfac, xpre = (1.0, "") if xlog else engineering_scale(x)
    x = x / xfac
    yfac, ypre = engineering_scale(np.asarray(da.values, dtype=float)[np.isfinite(da.values)] if np.isfinite(da.values).any() else np.zeros(1))
    fam_values = list(ds[fam].values[:MAX_CURVES]) if fam else [None]
    for fv in fam_values:
        sub = da.sel({fam: fv}) if fam else da
        if "sample" in sub.dims:
            mean = sub.mean("sample", skipna=True).values / yfac
            std = sub.std("sample", skipna=True).values / yfac
            line, = ax.plot(x, mean, marker="o", ms=3, label=_label(ds, fam, fv) if fam else "mean")
            ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        else:
            ax.plot(x, sub.values / yfac, marker="o", ms=3, label=_label(ds, fam, fv) if fam else None)
    if xlog:
        ax.set_xscale("log")
    ax.set_xlabel(_axis_text(ds, xdim, xpre))
    unit = ds[measure].attrs.get("units", "")
    ax.set_ylabel(f"{measure} [{ypre}{unit}]" if unit and unit != "1" else measure)
    title = f"{measure} vs {xdim}" + (" (mean ± σ over samples)" if "sample" in ds.dims else "")
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=10)
    if fam or "sample" in ds.dims:
        ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_heatmap(ds, measure: str, path: Path) -> Path | None:
    swept = _swept(ds)
    if len(swept) < 2:
        return None
    xd, yd = swept[0], swept[1]
    da, note = _reduce_rest(ds[measure], [xd, yd])
    if "sample" in da.dims:
        da = da.mean("sample", skipna=True)
    z = da.transpose(yd, xd).values.astype(float)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    zfac, zpre = engineering_scale(z[np.isfinite(z)] if np.isfinite(z).any() else np.zeros(1))
    xs = np.arange(ds.sizes[xd])
    ys = np.arange(ds.sizes[yd])
    mesh = ax.pcolormesh(xs, ys, z / zfac, shading="nearest", cmap="viridis")
    ax.set_xticks(xs, [_label(ds, xd, v).split("=", 1)[1] for v in ds[xd].values], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(ys, [_label(ds, yd, v).split("=", 1)[1] for v in ds[yd].values], fontsize=8)
    ax.set_xlabel(_axis_text(ds, xd))
    ax.set_ylabel(_axis_text(ds, yd))
    unit = ds[measure].attrs.get("units", "")
    fig.colorbar(mesh, ax=ax, label=f"{measure} [{zpre}{unit}]" if unit and unit != "1" else measure)
    for (i, j) in zip(*np.nonzero(~np.isfinite(z))):
        ax.text(j, i, "×", ha="center", va="center", color="red")  # failed or NaN
    ax.set_title(f"{measure}" + (" (mean over samples)" if "sample" in ds.dims else "") + (f"\n{note}" if note else ""), fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_histograms(ds, measure: str, path: Path) -> Path | None:
    if "sample" not in ds.dims:
        return None
    da = ds[measure]
    others = [d for d in da.dims if d != "sample"]
    combos = list(itertools.islice(itertools.product(*[range(ds.sizes[d]) for d in others]), MAX_HISTS))
    finite = np.asarray(da.values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return None
    unit = ds[measure].attrs.get("units", "")
    plt = _pyplot()
    ncols = min(3, len(combos))
    nrows = -(-len(combos) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows + 0.5), squeeze=False)
    for ax in axes.flat[len(combos):]:
        ax.set_visible(False)
    for ax, combo in zip(axes.flat, combos):
        sub = da.isel(dict(zip(others, combo))) if others else da
        v = np.asarray(sub.values, dtype=float)
        n_bad = int((~np.isfinite(v)).sum())
        v = v[np.isfinite(v)]
        name = ", ".join(_label(ds, d, ds[d].values[i]) for d, i in zip(others, combo) if ds.sizes[d] > 1)
        if not v.size:
            ax.set_title((name + "\n" if name else "") + "no finite values", fontsize=8)
            continue
        fac, pre = engineering_scale(v)
        u = f" {pre}{unit}" if unit and unit != "1" else ""
        v = v / fac
        mu, sd = float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0
        ax.hist(v, bins=min(30, max(5, int(np.sqrt(v.size)) + 1)), color="C0", alpha=0.7)
        ax.axvline(mu, color="C3", lw=1.5, label=f"mean {mu:.4g}{u}")
        if sd > 0:
            ax.axvspan(mu - sd, mu + sd, color="C3", alpha=0.12, label=f"±σ {sd:.3g}{u}")
        ax.set_xlabel(f"{measure} [{pre}{unit}]" if unit and unit != "1" else measure, fontsize=8)
        ax.set_ylabel("samples", fontsize=8)
        title = (name + "\n" if name else "") + f"n={v.size}" + (f", {n_bad} failed/NaN" if n_bad else "")
        ax.set_title(title, fontsize=8)
        ax.legend(fontsize=7)
        ax.tick_params(labelsize=7)
    more = int(np.prod([ds.sizes[d] for d in others])) - len(combos) if others else 0
    fig.suptitle(f"{measure}: Monte Carlo, {ds.sizes['sample']} samples per point" + (f" (first {len(combos)} points; {more} more in sweep.nc)" if more > 0 else ""), fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_sweep(ds, folder: str | Path) -> list[Path]:
    """Every figure that fits the sweep's dimensions, for every measure."""
    folder = Path(folder)
    out: list[Path] = []
    measures = [v for v in ds.data_vars if "measure" in ds[v].attrs]
    for m in measures:
        for fn, suffix in ((plot_curves, "curves"), (plot_heatmap, "heatmap"), (plot_histograms, "hist")):
            p = fn(ds, m, folder / f"{m}_{suffix}.png")
            if p is not None:
                out.append(p)
    return out
