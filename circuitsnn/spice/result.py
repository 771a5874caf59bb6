"""Simulation results: one :class:`Plot` per analysis, gathered in a :class:`Result`.

Signal names follow ngspice, lower-cased: ``v(out)``, ``v(x1.mem)``, ``i(v1)``. Lookups accept
a bare node name (``res["out"]`` is ``v(out)``) and any case. Units come from the raw file
(V, A, s, Hz, V/√Hz ...). Export with :meth:`Result.to_xarray` / :meth:`Result.to_netcdf`.

Every vector ngspice wrote is kept:

* **Same names.** ngspice can write several vectors with one name in one plot (four ``i(p1)``
  for the coupled lines of a ``P`` element: the raw writer cuts ``p1#branch_1_0`` after
  ``#branch``). The first keeps its name, the later ones get ``#2``, ``#3``, ... in the order
  ngspice wrote them: ``i(p1)``, ``i(p1)#2``, ``i(p1)#3``, ``i(p1)#4``. ``Plot.names`` maps each
  key back to ngspice's own name.
* **Complex data** (``.ac``, ``.disto``, ``.sp``, ``.pz``, AC ``.sens``) stays complex
  (``complex128``), in memory and in ``result.nc`` (see :meth:`Result.to_netcdf`).
* **Results that are not node voltages** are named as ngspice names them, without the ``v(...)``
  the raw writer wraps around every "voltage" vector: poles and zeros ``pole(1)``, ``zero(1)``
  (complex, rad/s), ``.tf``'s ``transfer_function``, ``.sens``'s ``r1``, ``c1:bv_max``,
  integrated noise ``onoise_total``.
* A plot without an axis holds scalars when every vector has one point, otherwise its vectors
  run along an ``index`` dimension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import SignalNotFound, ValidationError

#: ngspice's vector types (``ft_typenames``) and their units.
_UNITS = {
    "time": "s",
    "frequency": "Hz",
    "voltage": "V",
    "current": "A",
    "voltage-density": "V/√Hz",
    "current-density": "A/√Hz",
    "sqr-voltage-density": "V²/Hz",
    "sqr-current-density": "A²/Hz",
    "sqr-voltage": "V²",
    "sqr-current": "A²",
    "pole": "rad/s",
    "zero": "rad/s",
    "s-param": "1",
    "temp-sweep": "degC",
    "res-sweep": "Ohm",
    "impedance": "Ohm",
    "admittance": "S",
    "power": "W",
    "phase": "rad",
    "decibel": "dB",
    "capacitance": "F",
    "charge": "C",
}

#: ngspice plot names (``Plotname:``) -> circuitsnn's analysis key. Matched as prefixes,
#: case-insensitively; anything else keeps a slug of its plot name.
_PLOTNAMES = (
    ("transient analysis", "tran"),
    ("dc transfer characteristic", "dc"),
    ("operating point", "op"),
    ("ac analysis", "ac"),
    ("noise spectral density curves", "noise"),
    ("integrated noise", "noise_total"),
    ("pole-zero analysis", "pz"),
    ("transfer function", "tf"),
    ("sensitivity analysis", "sens"),
    ("ac sensitivity analysis", "sens"),
    ("distortion - ", "disto"),
    ("time domain periodic steady state", "pss"),
    ("frequency domain periodic steady state", "pss_spectrum"),
    ("s-parameters analysis", "sp"),
    ("constants", "const"),
)
#: Plots whose vectors are results, not node voltages: the raw writer's ``v(...)`` is removed.
_NOT_NODES = {"pz", "tf", "sens", "noise_total"}
#: Vector types that are an axis when they come first.
_AXIS_TYPES = {"time": "time", "frequency": "frequency", "temp-sweep": "sweep", "res-sweep": "sweep"}


def analysis_of(plotname: str) -> str:
    """``'AC Analysis'`` -> ``'ac'``; an operating point of any analysis -> ``'op'``."""
    low = plotname.strip().lower()
    for prefix, key in sorted(_PLOTNAMES, key=lambda pk: -len(pk[0])):
        if low.startswith(prefix):
            return key
    if low.endswith("operating point"):
        return "op"
    return re.sub(r"[^a-z0-9]+", "_", low).strip("_") or "unknown"


def normalize_signal(name: str) -> str:
    """``'OUT'`` -> ``'v(out)'``, ``'V1#branch'`` -> ``'i(v1)'``, ``'I(V1)'`` -> ``'i(v1)'``."""
    n = name.strip().lower()
    if n.endswith("#branch"):
        return f"i({n[:-7]})"
    if re.match(r"^[vi]\(.*\)$", n) or n.startswith("@") or re.search(r"#\d+$", n):
        return n
    return f"v({n})"


def vector_key(name: str, analysis: str, vtype: str = "voltage") -> str:
    """The key circuitsnn stores an ngspice vector under (before same-name disambiguation):
    node voltages ``v(node)``, branch currents ``i(source)``, anything else by its own name
    (``pole(1)``, ``onoise_spectrum``, a ``let`` vector ``n_pass``)."""
    n = name.strip().lower()
    if analysis in _NOT_NODES and n.startswith("v(") and n.endswith(")"):
        return n[2:-1]
    if analysis in _NOT_NODES or "(" in n or n.startswith("@") or analysis == "const":
        return n
    if vtype not in ("voltage", "current", ""):
        return n
    return normalize_signal(n)


def unique_keys(keys: list[str]) -> list[str]:
    """``['i(p1)', 'i(p1)', 'v(a)']`` -> ``['i(p1)', 'i(p1)#2', 'v(a)']``: the k-th vector of a
    name gets ``#k`` (k >= 2), never colliding with another name."""
    seen: set[str] = set()
    counts: dict[str, int] = {}
    out = []
    for key in keys:
        k = key
        if k in seen:
            n = counts.get(key, 1)
            while k in seen:
                n += 1
                k = f"{key}#{n}"
            counts[key] = n
        seen.add(k)
        out.append(k)
    return out


def unit_of(vtype: str, key: str, analysis: str) -> str:
    """The unit of a vector, correcting the raw file's "voltage" for non-node results."""
    if analysis == "pz":
        return "rad/s"
    if analysis in ("tf", "sens"):
        return "Ohm" if "impedance" in key else ""
    return _UNITS.get(vtype, "")


@dataclass
class Plot:
    """The vectors of one analysis: an axis (time, frequency or swept value; none for .op, .pz,
    .tf, .sens) and signals.

    ``names`` maps each signal key to ngspice's own vector name; ``types`` to ngspice's vector
    type (``voltage``, ``voltage-density``, ...).
    """

    analysis: str  # "tran" | "dc" | "op" | "ac" | "noise" | "noise_total" | "pz" | "tf" | "sens" | ...
    plotname: str
    axis_name: str | None
    axis: np.ndarray | None
    signals: dict[str, np.ndarray]
    units: dict[str, str] = field(default_factory=dict)
    axis_unit: str = ""
    axis_label: str = ""  # what the axis is, e.g. the swept source "v1"; defaults to axis_name
    names: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    axis_ngspice_name: str = ""

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.signals:
            return self.signals[name]
        for key in (name.strip().lower(), normalize_signal(name)):
            if key in self.signals:
                return self.signals[key]
        raise SignalNotFound(
            f"{name!r} is not in the {self.analysis} results.",
            hint=f"Available signals: {', '.join(sorted(self.signals)) or 'none'}.",
        )

    def __contains__(self, name: str) -> bool:
        return name in self.signals or name.strip().lower() in self.signals or normalize_signal(name) in self.signals

    def v(self, node: str) -> np.ndarray:
        return self[f"v({node})"]

    def i(self, source: str) -> np.ndarray:
        return self[f"i({source})"]

    def value(self, name: str) -> float | complex:
        """A scalar value (operating point, ``.tf``, a pole). Complex values stay complex."""
        arr = self[name]
        if arr.size != 1:
            raise ValidationError(f"{name!r} has {arr.size} points, not one; index it instead.")
        v = arr.reshape(-1)[0]
        return complex(v) if np.iscomplexobj(arr) else float(v)

    @property
    def time(self) -> np.ndarray:
        if self.axis_name != "time" or self.axis is None:
            raise ValidationError(f"the {self.analysis} analysis has no time axis.")
        return self.axis

    @property
    def frequency(self) -> np.ndarray:
        if self.axis_name != "frequency" or self.axis is None:
            raise ValidationError(f"the {self.analysis} analysis has no frequency axis.")
        return self.axis

    @property
    def is_complex(self) -> bool:
        return any(np.iscomplexobj(v) for v in self.signals.values())

    @property
    def length(self) -> int:
        if self.axis is not None:
            return len(self.axis)
        return max((np.size(v) for v in self.signals.values()), default=0)

    def _numbered(self, prefix: str) -> np.ndarray:
        found = []
        for key, arr in self.signals.items():
            m = re.match(rf"^{prefix}\((\d+)\)$", key)
            if m:
                found.append((int(m.group(1)), complex(np.ravel(arr)[0])))
        return np.array([v for _, v in sorted(found)], dtype=complex)

    @property
    def poles(self) -> np.ndarray:
        """The poles of a ``.pz`` analysis (complex, rad/s), in ngspice's order."""
        return self._numbered("pole")

    @property
    def zeros(self) -> np.ndarray:
        """The zeros of a ``.pz`` analysis (complex, rad/s), in ngspice's order."""
        return self._numbered("zero")

    def to_xarray(self):
        import xarray as xr

        attrs = {"analysis": self.analysis, "plotname": self.plotname}
        coords, var_dims = _layout(self)
        data_vars = {}
        for k, v in self.signals.items():
            dims = var_dims[k]
            value = np.asarray(v).reshape(-1)[0] if not dims else np.asarray(v)
            data_vars[_nc_name(k, tuple(coords))] = (dims, value, self._attrs(k))
        return xr.Dataset(data_vars, coords={d: (d, c, a) for d, (c, a) in coords.items()}, attrs=attrs)

    def _attrs(self, key: str) -> dict[str, str]:
        attrs = {"units": self.units.get(key, "")}
        if key in self.names:
            attrs["ngspice_name"] = self.names[key]
        return attrs


def _layout(plot: Plot) -> tuple[dict[str, tuple[np.ndarray, dict]], dict[str, tuple[str, ...]]]:
    """Dimensions (coordinate values and attributes) and each signal's dimensions.

    Signals run along the axis (or ``index`` when the plot has none); a plot whose signals all
    have one point holds scalars. A signal of another length (a vector a ``.control`` block made
    with ``let``) gets a dimension of its own length, ``index_<n>``; one-point signals in a plot
    without an axis stay scalars."""
    coords: dict[str, tuple[np.ndarray, dict]] = {}
    if plot.axis is not None:
        main = plot.axis_name or "index"
        attrs = {"units": plot.axis_unit, "long_name": plot.axis_label or main}
        if plot.axis_ngspice_name:
            attrs["ngspice_name"] = plot.axis_ngspice_name
        coords[main] = (np.asarray(plot.axis), attrs)
        n_main = len(plot.axis)
    elif all(np.size(v) == 1 for v in plot.signals.values()):
        return {}, {k: () for k in plot.signals}
    else:
        main = "index"
        n_main = plot.length
        coords[main] = (np.arange(n_main), {"long_name": "point index"})
    var_dims: dict[str, tuple[str, ...]] = {}
    for key, arr in plot.signals.items():
        n = int(np.size(arr))
        if n == n_main:
            var_dims[key] = (main,)
        elif n == 1 and plot.axis is None:
            var_dims[key] = ()
        else:
            dim = f"index_{n}"
            coords.setdefault(dim, (np.arange(n), {"long_name": f"point index of the {n}-point vectors"}))
            var_dims[key] = (dim,)
    return coords, var_dims


def _nc_name(key: str, dims: tuple[str, ...]) -> str:
    """A netCDF variable name: '/' separates HDF5 groups, so it becomes '∕' (U+2215); a key
    equal to the dimension name gets a trailing '_'. ``ngspice_name`` keeps the original."""
    name = key.replace("/", "\u2215")
    return name + "_" if name in dims else name


@dataclass
class Result:
    """Everything one simulator run produced.

    ``notes``: things the user should know although the run succeeded (a ``.meas`` that failed,
    an early stop by ``.option autostop``, plots that could not be returned).
    ``measurements``: the ``.meas`` results ngspice printed, by name.
    """

    plots: tuple[Plot, ...]
    title: str = ""
    backend: str = ""
    ngspice_version: str = ""
    stdout: str = ""
    stderr: str = ""
    elapsed: float = 0.0
    workdir: Path | None = None
    notes: list[str] = field(default_factory=list)
    measurements: dict[str, float] = field(default_factory=dict)

    def plot(self, analysis: str) -> Plot:
        for p in self.plots:
            if p.analysis == analysis:
                return p
        raise SignalNotFound(
            f"no {analysis} analysis in these results.",
            hint=f"The deck ran: {', '.join(p.analysis for p in self.plots) or 'nothing'}.",
        )

    @property
    def tran(self) -> Plot:
        return self.plot("tran")

    @property
    def dc(self) -> Plot:
        return self.plot("dc")

    @property
    def op(self) -> Plot:
        return self.plot("op")

    @property
    def ac(self) -> Plot:
        return self.plot("ac")

    @property
    def noise(self) -> Plot:
        """The noise spectra (``onoise_spectrum``, ``inoise_spectrum``, per-device terms)."""
        return self.plot("noise")

    @property
    def pz(self) -> Plot:
        return self.plot("pz")

    @property
    def poles(self) -> np.ndarray:
        return self.pz.poles

    @property
    def zeros(self) -> np.ndarray:
        return self.pz.zeros

    @property
    def primary(self) -> Plot:
        """The transient plot when there is one, else DC, OP, AC, else the first."""
        for kind in ("tran", "dc", "op", "ac"):
            for p in self.plots:
                if p.analysis == kind:
                    return p
        if not self.plots:
            raise SignalNotFound("the simulation produced no results.")
        return self.plots[0]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.primary[name]

    def __iter__(self) -> Iterator[Plot]:
        return iter(self.plots)

    @property
    def signals(self) -> dict[str, np.ndarray]:
        return self.primary.signals

    def group_names(self) -> list[str]:
        """The netCDF group of each plot: its analysis, numbered from the second on
        (``tran``, ``tran2``, ``ac``)."""
        names: list[str] = []
        for p in self.plots:
            name = p.analysis
            k = 2
            while name in names:
                name = f"{p.analysis}{k}"
                k += 1
            names.append(name)
        return names

    def to_xarray(self, analysis: str | None = None):
        ds = (self.plot(analysis) if analysis else self.primary).to_xarray()
        ds.attrs.update(title=self.title, backend=self.backend, ngspice_version=self.ngspice_version)
        return ds

    def to_netcdf(self, path: str | Path) -> Path:
        """Write every plot to a netCDF-4 (HDF5) file, with h5py alone (no xarray, no h5netcdf:
        about 1 ms per vector, where h5netcdf took 7 ms and a 270-vector deck 2 s).

        A single plot sits at the root; several become groups named by :meth:`group_names`
        (``xr.open_dataset(path, engine="h5netcdf", group="ac")``), listed in the root
        attribute ``groups``. Complex vectors are stored as complex128 (h5netcdf's netCDF-4
        compound type ``{r, i}``, read back as complex by xarray's ``h5netcdf`` engine and by
        netCDF-C >= 4.9 with nc-complex). Every variable carries ``units`` and
        ``ngspice_name``; the root carries ``title``, ``ngspice_version``, ``notes`` and,
        when ngspice printed ``.meas`` results, ``measurements`` (``name=value`` lines).
        """
        import h5py

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        root_attrs = {
            "title": self.title,
            "backend": self.backend,
            "ngspice_version": self.ngspice_version,
            "notes": "\n".join(self.notes),
        }
        if self.measurements:
            root_attrs["measurements"] = "\n".join(f"{k}={v!r}" for k, v in self.measurements.items())
        with h5py.File(tmp, "w") as f:
            if len(self.plots) == 1:
                _write_plot(f, self.plots[0])
            else:
                names = self.group_names()
                root_attrs["groups"] = ",".join(names)
                for name, p in zip(names, self.plots):
                    _write_plot(f.create_group(name), p)
            for k, v in root_attrs.items():
                f.attrs[k] = v
        tmp.replace(path)
        return path


def _write_plot(group, plot: Plot) -> None:
    """One plot into an HDF5 group, as netCDF-4 lays it out: each dimension a dimension scale
    (its coordinate values), each signal a dataset attached to its scales."""
    coords, var_dims = _layout(plot)
    scales = {}
    for dim, (values, attrs) in coords.items():
        ds = group.create_dataset(dim, data=np.ascontiguousarray(values))
        ds.make_scale(dim)
        for k, v in attrs.items():
            ds.attrs[k] = v
        scales[dim] = ds
    for key, arr in plot.signals.items():
        arr = np.asarray(arr)
        dims = var_dims[key]
        data = np.ascontiguousarray(arr.reshape(-1)) if dims else arr.reshape(-1)[:1].reshape(())
        ds = group.create_dataset(_nc_name(key, tuple(coords)), data=data)
        for i, dim in enumerate(dims):
            ds.dims[i].attach_scale(scales[dim])
        for k, v in plot._attrs(key).items():
            ds.attrs[k] = v
    group.attrs["analysis"] = plot.analysis
    group.attrs["plotname"] = plot.plotname
