"""Sweep outputs: an xarray Dataset (netCDF), a CSV of measures, and the figures.

The Dataset has one dimension per swept axis, in the spec's order (grid axes, ``process``,
``temperature``, the supply field), then ``sample`` for Monte Carlo. Coordinates carry
``units`` and ``long_name`` from the Params field metadata. Data variables:

* one per measure (float, NaN where the point failed), ``units`` from the measure;
* ``<param>_mc`` for each mismatched parameter: the value actually simulated;
* ``status`` ("done", "failed", "pending"), ``error_class``, ``reason``, ``sim_time`` (s),
  ``key`` (the content hash naming the point's waveform file ``waves/<k[:2]>/<key>.npz``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from .plan import SweepPlan
from .store import SweepStore


def to_dataset(plan: SweepPlan, store: SweepStore):
    import xarray as xr

    shape = plan.shape
    dims = plan.dims
    coords: dict[str, Any] = {}
    for axis in plan.axes:
        values = np.asarray(axis.values)
        if values.dtype.kind in "USO":
            values = values.astype(str)
        elif values.dtype.kind == "b":  # netCDF has no booleans
            values = values.astype("int8")
        coords[axis.name] = (axis.name, values, {"units": axis.unit, "long_name": axis.doc, "sweep_kind": axis.kind})
    if plan.mc_n:
        coords["sample"] = ("sample", np.arange(plan.mc_n), {"long_name": f"Monte Carlo sample (seed {plan.mc_seed})"})

    measures = {name: np.full(shape, np.nan) for name in plan.measures}
    mc_vals = {name: np.full(shape, np.nan) for name in plan.mismatch}
    status = np.full(shape, "pending", dtype=object)
    error_class = np.full(shape, "", dtype=object)
    reason = np.full(shape, "", dtype=object)
    sim_time = np.full(shape, np.nan)
    keys = np.full(shape, "", dtype=object)
    for p in store.points():
        pos = tuple(p["position"])
        keys[pos] = p["key"]
        if p["status"] is None:
            continue
        status[pos] = p["status"]
        error_class[pos] = p["error_class"] or ""
        reason[pos] = p["reason"] or ""
        sim_time[pos] = p["sim_time"] if p["sim_time"] is not None else np.nan
        for name in measures:
            v = p["measures"].get(name)
            if v is not None:
                measures[name][pos] = float(v)
        for name in mc_vals:
            if name in p["params"]:
                mc_vals[name][pos] = float(p["params"][name])

    meta = {f.name: dict(f.metadata) for f in __import__("dataclasses").fields(plan.component.params_cls)}
    data_vars: dict[str, Any] = {}
    for name, arr in measures.items():
        m = plan.measures[name]
        d = m.definition
        data_vars[name] = (dims, arr, {
            "units": plan.measure_unit(name),
            "long_name": d.doc,
            "measure": m.measure,
            "arguments": json.dumps(dict(m.args), default=repr),
        })
    for name, arr in mc_vals.items():
        mm = plan.mismatch[name]
        spread = f"sigma={mm.sigma:g}" if mm.dist == "gauss" else f"half_width={mm.half_width:g}"
        data_vars[f"{name}_mc"] = (dims, arr, {
            "units": meta[name].get("unit", ""),
            "long_name": f"{meta[name].get('doc', name)} with mismatch ({mm.dist}, {spread}, {'relative' if mm.relative else 'absolute'})",
        })
    data_vars["status"] = (dims, status.astype(str), {"long_name": "done, failed or pending"})
    data_vars["error_class"] = (dims, error_class.astype(str), {"long_name": "error class of a failed point"})
    data_vars["reason"] = (dims, reason.astype(str), {"long_name": "why the point failed"})
    data_vars["sim_time"] = (dims, sim_time, {"units": "s", "long_name": "simulation wall time"})
    data_vars["key"] = (dims, keys.astype(str), {"long_name": "content hash of deck + analysis + ngspice version (waveform file name)"})
    spec = plan.spec
    attrs = {
        "component": spec.component,
        "testbench": spec.testbench,
        "fixed_params": json.dumps(dict(plan.params), default=repr),
        "stimulus": json.dumps(dict(plan.stimulus), default=repr),
        "analysis": repr(plan.analysis) if plan.analysis is not None else "testbench default",
        "spec_fingerprint": spec.fingerprint(),
        "timeout_s": float(spec.timeout),
        "created_by": "circuitsnn sweep",
    }
    if plan.mc_n:
        attrs["montecarlo_seed"] = plan.mc_seed
        attrs["montecarlo_samples"] = plan.mc_n
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def write_csv(plan: SweepPlan, store: SweepStore, path: str | Path) -> Path:
    """One row per point: coordinates, simulated mismatch values, measures, status."""
    path = Path(path)
    dims = list(plan.dims)
    mnames = list(plan.measures)
    mc = list(plan.mismatch)
    header = ["index"] + dims + [f"{n}_mc" for n in mc] + mnames + ["status", "error_class", "reason", "sim_time", "key"]
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for p in store.points():
            row: list[Any] = [p["idx"]] + [p["coords"].get(d, "") for d in dims]
            row += [p["params"].get(n, "") for n in mc]
            row += [_fmt(p["measures"].get(n)) for n in mnames]
            row += [p["status"] or "pending", p["error_class"] or "", (p["reason"] or "").replace("\n", " "), _fmt(p["sim_time"]), p["key"]]
            w.writerow(row)
    tmp.replace(path)
    return path


def _fmt(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if np.isnan(v) else repr(v)
    return v


def export_all(plan: SweepPlan, store: SweepStore, folder: str | Path, *, plots: bool = True) -> dict[str, Path]:
    """Write sweep.nc, measures.csv and (``plots``) the PNG figures; returns their paths."""
    folder = Path(folder)
    ds = to_dataset(plan, store)
    nc = folder / "sweep.nc"
    tmp = folder / "sweep.nc.tmp"
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(nc)
    files = {"netcdf": nc, "csv": write_csv(plan, store, folder / "measures.csv")}
    if plots and plan.measures:
        from .plots import plot_sweep

        for p in plot_sweep(ds, folder / "plots"):
            files[p.stem] = p
    return files
