"""Characterize a component: run its testbenches, save data and plots a designer looks at.

For each testbench: ``<tb>.cir`` (the exact deck, runnable with ``ngspice -b``), ``<tb>.nc``
(every simulated vector), ``<tb>_measures.nc`` (derived curves such as f–I or conductance vs
pulse number, with units) and ``<tb>.png``. A failing testbench is recorded and the others still
run; ``summary.json`` lists what ran, what failed and why.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .errors import CircuitSNNError, ValidationError
from .params import Params
from .library.registry import Component, Testbench, get
from .spice.render import render
from .spice.simulator import get_simulator


@dataclass
class TestbenchOutcome:
    name: str
    ok: bool
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    measures: dict[str, Any] = field(default_factory=dict)


@dataclass
class Characterization:
    component: str
    params: Params
    out_dir: Path
    outcomes: list[TestbenchOutcome]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def text(self) -> str:
        lines = [f"{self.component}: {self.params.summary()}"]
        for o in self.outcomes:
            status = f"ok   {o.seconds:6.2f} s" if o.ok else "FAIL"
            lines.append(f"  {o.name:<14} {status}  {', '.join(p.name for p in o.files) if o.ok else o.error}")
        lines.append(f"  outputs in {self.out_dir}")
        return "\n".join(lines)


def parse_assignments(items: Iterable[str], params_cls: type[Params]) -> dict[str, float]:
    """``["c_mem=2p", "r_leak=1meg"]`` -> values, checked against the parameter class."""
    from .units import parse_value

    known = {row["name"]: row for row in params_cls.describe()}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValidationError(f"--param {item!r} is not NAME=VALUE.", hint="e.g. --param c_mem=2p")
        if key not in known:
            raise ValidationError(
                f"--param {key!r}: {params_cls.__name__} has no such parameter.",
                hint=f"Known: {', '.join(known)} (see `circuitsnn list NAME`).",
            )
        default = known[key]["default"]
        if isinstance(default, str):
            out[key] = text.strip()
        else:
            value = parse_value(text, f"--param {key}")  # 1M (milli) warns, 10kk is refused
            out[key] = int(value) if isinstance(default, int) and not isinstance(default, bool) and value == int(value) else value
    return out


def measures_dataset(tb: Testbench, measures: Mapping[str, Any]):
    """Measured arrays as an xarray Dataset; for an ``xy:X:Y`` plot, Y is indexed by X."""
    import xarray as xr

    xname = tb.plot.split(":")[1] if tb.plot.startswith("xy:") else None
    if xname and np.ndim(measures.get(xname, 0)) != 1:
        xname = None  # a 2-D x (one row per curve) is data, not a coordinate
    data_vars: dict[str, Any] = {}
    coords: dict[str, Any] = {}
    if xname and xname in measures:
        x = np.asarray(measures[xname], dtype=float)
        coords[xname] = (xname, x, {"units": tb.units.get(xname, "")})
    for key, value in measures.items():
        if key == xname:
            continue
        arr = np.asarray(value)
        attrs = {"units": tb.units.get(key, "")}
        if arr.ndim == 0:
            data_vars[key] = ((), arr.item() if arr.dtype.kind in "fiub" else str(arr), attrs)
        elif xname and arr.shape[0] == len(coords[xname][1]):
            data_vars[key] = ((xname,) + tuple(f"{key}_dim{i}" for i in range(1, arr.ndim)), arr, attrs)
        else:
            data_vars[key] = (tuple(f"{key}_dim{i}" for i in range(arr.ndim)), arr, attrs)
    return xr.Dataset(data_vars, coords=coords, attrs={"testbench": tb.name, "description": tb.description})


def _plot(tb: Testbench, result, measures: Mapping[str, Any], path: Path, title: str) -> Path | None:
    from .plots import plot_signals, plot_xy

    style = dict(tb.style)
    if tb.plot.startswith("xy:"):
        _, x, ys = tb.plot.split(":", 2)
        ylist = [y for y in ys.split(",") if y in measures]
        if x not in measures or not ylist:
            raise ValidationError(f"testbench {tb.name!r}: its measure did not return {x!r} and {ys!r} to plot.")
        xlabel, xunit = style.get("x", (x, tb.units.get(x, "")))
        ylabel, yunit = style.get("y", (", ".join(ylist), tb.units.get(ylist[0], "")))
        curves: dict[str, np.ndarray] = {}
        for y in ylist:
            arr = np.asarray(measures[y], dtype=float)
            if arr.ndim == 2:
                names = style.get("series") or tuple(f"{y}[{k}]" for k in range(arr.shape[0]))
                curves.update({str(n): row for n, row in zip(names, arr)})
            else:
                curves[y] = arr
        return plot_xy(
            np.asarray(measures[x], dtype=float), curves, path, xlabel=xlabel, ylabel=ylabel, xunit=xunit,
            yunit=yunit, title=title, logx=bool(style.get("logx")), logy=bool(style.get("logy")),
            magnitude=bool(style.get("abs")), marks=tuple(style.get("marks", ())), xlim=style.get("xlim"),
            ylim=style.get("ylim"),
        )
    plot = result.dc if tb.plot == "sweep" else result.primary
    if plot.axis is None:
        return None
    return plot_signals(plot, [p for p in tb.probes if p in plot] or None, path, title=title,
                        traces=style.get("traces"), x=style.get("x"), logy=bool(style.get("logy")),
                        magnitude=bool(style.get("abs")), marks=tuple(style.get("marks", ())))


def characterize(
    name: str,
    out_dir: str | Path,
    *,
    params: Params | Mapping[str, Any] | None = None,
    testbenches: Iterable[str] | None = None,
    backend: str = "batch",
    timeout: float = 300.0,
    progress: bool = True,
    stimulus: Mapping[str, Any] | None = None,
) -> Characterization:
    """Run the component's testbenches and write their data and plots to ``out_dir``.

    ``stimulus``: keywords for the ``waveform`` testbench (``points=`` an (n, 2) array or
    ``file=`` a CSV, ``controls=``); given alone it runs only that testbench. Testbenches that
    need a stimulus are skipped when none is given."""
    comp: Component = get(name)
    if params is None:
        p = comp.default_params()
    elif isinstance(params, Params):
        p = params
    else:
        p = comp.make_params(**params)
    if testbenches:
        names = list(testbenches)
    elif stimulus:
        names = ["waveform"]
    else:
        names = list(comp.testbenches)
    for tb_name in names:
        if tb_name not in comp.testbenches and tb_name != "waveform":
            raise ValidationError(
                f"component {name!r} has no testbench {tb_name!r}.",
                hint=f"Its testbenches: {', '.join(comp.testbenches)}.",
            )
    from .outdir import output_dir

    out = output_dir(out_dir)
    outcomes: list[TestbenchOutcome] = []
    from tqdm.auto import tqdm

    bar = tqdm(names, desc=f"characterize {name}", unit="tb", disable=not progress, leave=False)
    with get_simulator(backend) as sim:
        for tb_name in bar:
            bar.set_postfix_str(tb_name)
            t0 = time.perf_counter()
            outcome = TestbenchOutcome(tb_name, ok=False)
            try:
                tb = comp.testbench(tb_name, p, **(dict(stimulus) if stimulus and tb_name == "waveform" else {}))
                deck_path = out / f"{tb_name}.cir"
                deck_path.write_text(render(tb.deck))
                outcome.files.append(deck_path)
                result = sim.run(tb.deck, timeout=timeout)
                outcome.files.append(result.to_netcdf(out / f"{tb_name}.nc"))
                measures = dict(tb.measure(result)) if tb.measure else {}
                if measures:
                    path = out / f"{tb_name}_measures.nc"
                    measures_dataset(tb, measures).to_netcdf(path, engine="h5netcdf")
                    outcome.files.append(path)
                png = _plot(tb, result, measures, out / f"{tb_name}.png", f"{name} — {tb.description or tb_name}")
                if png:
                    outcome.files.append(png)
                outcome.measures = {k: _jsonable(v) for k, v in measures.items()}
                outcome.ok = True
            except CircuitSNNError as exc:
                outcome.error = f"{type(exc).__name__}: {exc.message}"
            outcome.seconds = time.perf_counter() - t0
            outcomes.append(outcome)
    report = Characterization(name, p, out, outcomes)
    (out / "summary.json").write_text(
        json.dumps(
            {
                "component": name,
                "params": p.to_dict(),
                "testbenches": [
                    {"name": o.name, "ok": o.ok, "seconds": round(o.seconds, 3), "error": o.error, "files": [f.name for f in o.files]}
                    for o in outcomes
                ],
            },
            indent=2,
            default=str,
        )
    )
    return report


def _jsonable(value: Any) -> Any:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return arr.item() if arr.dtype.kind in "fiub" else str(arr)
    return arr.tolist()
