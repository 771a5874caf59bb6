"""Simulation results: one :class:`Plot` per analysis, gathered in a :class:`Result`.

Signal names follow ngspice, lower-cased: ``v(out)``, ``v(x1.mem)``, ``i(v1)``. Lookups accept
a bare node name (``res["out"]`` is ``v(out)``) and any case. Units come from the raw file
(V, A, s). Export with :meth:`Result.to_xarray` / :meth:`Result.to_netcdf`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import SignalNotFound, ValidationError

_UNITS = {"voltage": "V", "current": "A", "time": "s", "frequency": "Hz"}


def normalize_signal(name: str) -> str:
    """``'OUT'`` -> ``'v(out)'``, ``'V1#branch'`` -> ``'i(v1)'``, ``'I(V1)'`` -> ``'i(v1)'``."""
    n = name.strip().lower()
    if n.endswith("#branch"):
        return f"i({n[:-7]})"
    if re.match(r"^[vi]\(.*\)$", n) or n.startswith("@"):
        return n
    return f"v({n})"


@dataclass
class Plot:
    """The vectors of one analysis: an axis (time or swept value; none for .op) and signals."""

    analysis: str  # "tran" | "dc" | "op" | other ngspice plot kinds
    plotname: str
    axis_name: str | None
    axis: np.ndarray | None
    signals: dict[str, np.ndarray]
    units: dict[str, str] = field(default_factory=dict)
    axis_unit: str = ""
    axis_label: str = ""  # what the axis is, e.g. the swept source "v1"; defaults to axis_name

    def __getitem__(self, name: str) -> np.ndarray:
        key = normalize_signal(name)
        if key in self.signals:
            return self.signals[key]
        raise SignalNotFound(
            f"{name!r} is not in the {self.analysis} results.",
            hint=f"Available signals: {', '.join(sorted(self.signals)) or 'none'}.",
        )

    def __contains__(self, name: str) -> bool:
        return normalize_signal(name) in self.signals

    def v(self, node: str) -> np.ndarray:
        return self[f"v({node})"]

    def i(self, source: str) -> np.ndarray:
        return self[f"i({source})"]

    def value(self, name: str) -> float:
        """A scalar (operating point) value."""
        arr = self[name]
        if arr.size != 1:
            raise ValidationError(f"{name!r} has {arr.size} points, not one; index it instead.")
        return float(arr.reshape(-1)[0])

    @property
    def time(self) -> np.ndarray:
        if self.axis_name != "time" or self.axis is None:
            raise ValidationError(f"the {self.analysis} analysis has no time axis.")
        return self.axis

    def to_xarray(self):
        import xarray as xr

        attrs = {"analysis": self.analysis, "plotname": self.plotname}
        if self.axis is None:
            data_vars = {k: ((), float(v.reshape(-1)[0]), {"units": self.units.get(k, "")}) for k, v in self.signals.items()}
            return xr.Dataset(data_vars, attrs=attrs)
        dim = self.axis_name or "index"
        data_vars = {k: ((dim,), np.asarray(v), {"units": self.units.get(k, "")}) for k, v in self.signals.items()}
        coords = {dim: (dim, np.asarray(self.axis), {"units": self.axis_unit, "long_name": self.axis_label or dim})}
        return xr.Dataset(data_vars, coords=coords, attrs=attrs)


@dataclass
class Result:
    """Everything one simulator run produced."""

    plots: tuple[Plot, ...]
    title: str = ""
    backend: str = ""
    ngspice_version: str = ""
    stdout: str = ""
    stderr: str = ""
    elapsed: float = 0.0
    workdir: Path | None = None

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
    def primary(self) -> Plot:
        """The transient plot when there is one, else the first."""
        for kind in ("tran", "dc", "op"):
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

    def to_xarray(self, analysis: str | None = None):
        ds = (self.plot(analysis) if analysis else self.primary).to_xarray()
        ds.attrs.update(title=self.title, backend=self.backend, ngspice_version=self.ngspice_version)
        return ds

    def to_netcdf(self, path: str | Path) -> Path:
        """Write every plot: a single analysis at the root; several as groups named by analysis
        (``xr.open_dataset(path, group="dc")``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if len(self.plots) == 1:
            self.to_xarray().to_netcdf(path, engine="h5netcdf")
            return path
        import xarray as xr

        names: list[str] = []
        for p in self.plots:
            name = p.analysis
            k = 2
            while name in names:
                name = f"{p.analysis}{k}"
                k += 1
            names.append(name)
        root = xr.Dataset(attrs={"title": self.title, "groups": ",".join(names), "ngspice_version": self.ngspice_version})
        root.to_netcdf(path, engine="h5netcdf", mode="w")
        for name, p in zip(names, self.plots):
            p.to_xarray().to_netcdf(path, engine="h5netcdf", mode="a", group=name)
        return path
