"""Simulate one deck into a folder: ``result.nc``, a figure per analysis, a summary.

The library function behind ``circuitsnn simulate``. Figures (matplotlib is imported only when
one is drawn):

========================  ==============================================================
analysis                  figure
========================  ==============================================================
``.tran`` / ``.pss``      ``transient.png`` (``pss.png``): probed signals against time
``.dc``                   ``sweep.png``: probed signals against the swept source
``.ac`` (``.sp``)         ``bode.png`` (magnitude in dB, phase) and ``nyquist.png``
``.noise``                ``noise.png``: output/input-referred noise densities, log-log
``.pz``                   ``poles-zeros.png``: the s-plane
``.op``, ``.tf``, ...     none: the values are printed in the summary
========================  ==============================================================

A second plot of the same kind (a ``.control`` block that runs ``tran`` twice) gets a number:
``transient2.png``, matching its netCDF group ``tran2``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import SignalNotFound, SimulationTimeout
from .spice.ir import Analysis
from .spice.result import Result
from .spice.simulator import DeckLike, get_simulator
from .outdir import output_dir
from .units import check_timeout, si_format

_FIGURES = {"tran": "transient", "dc": "sweep", "pss": "pss", "ac": "bode", "sp": "bode", "noise": "noise", "pz": "poles-zeros"}


def _value(v, unit: str) -> str:
    if isinstance(v, complex) or np.iscomplexobj(v):
        c = complex(v)
        sign = "-" if c.imag < 0 else "+"
        return f"({si_format(c.real)} {sign} j{si_format(abs(c.imag))}) {unit}".rstrip()
    return si_format(float(v), unit)


@dataclass
class SimulationSummary:
    result: Result
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)

    def text(self) -> str:
        from .plots import default_probes, summarize

        r = self.result
        lines = [f"{r.title}: ngspice {r.ngspice_version} ({r.backend}), {si_format(r.elapsed, 's', 3)}"]
        for name, p in zip(r.group_names(), r.plots):
            label = name if name != p.analysis else p.analysis
            if p.axis is None:
                items = [(k, v) for k, v in p.signals.items() if np.size(v)]
                values = ", ".join(
                    f"{k}={_value(np.ravel(v)[0], p.units.get(k, ''))}" + (f" (+{np.size(v) - 1} more)" if np.size(v) > 1 else "")
                    for k, v in items[:8]
                )
                more = f", ... ({len(items) - 8} more)" if len(items) > 8 else ""
                lines.append(f" {label}: {values}{more}")
            elif len(p.axis) == 0:
                lines.append(f" {label}: no points, {len(p.signals)} signals")
            else:
                lines.append(
                    f" {label}: {len(p.axis)} points, {p.axis_name} {si_format(p.axis[0], p.axis_unit)}"
                    f" .. {si_format(p.axis[-1], p.axis_unit)}, {len(p.signals)} signals"
                )
                probes = [s for s in self.probes if s in p] or None
                lines += summarize(p, probes or default_probes(p, 4))
        if r.measurements:
            lines.append(" .meas: " + ", ".join(f"{k}={si_format(v)}" for k, v in r.measurements.items()))
        lines += [f" note: {n}" for n in r.notes]
        lines += [f" wrote {f}" for f in self.files]
        return "\n".join(lines)


def simulate_to_folder(
    deck: DeckLike,
    out_dir: str | Path,
    *,
    analyses: Sequence[Analysis] | None = None,
    probes: Iterable[str] = (),
    backend: str = "batch",
    timeout: float = 120.0,
    trusted_dirs: Iterable[str | Path] = (),
    allow_control: bool = False,
    keep: bool = False,
    plots: bool = True,
) -> SimulationSummary:
    """Run ``deck`` and write ``result.nc`` and a figure per analysis (see the module doc).

    ``timeout`` covers everything: ngspice, reading its results, writing ``result.nc`` and the
    figures. ``plots=False`` writes ``result.nc`` only (and never imports matplotlib).
    """
    timeout = check_timeout(timeout)
    deadline = time.monotonic() + timeout
    out = output_dir(out_dir)  # before simulating: a bad folder fails at once
    probes = list(probes)
    options: dict = {"trusted_dirs": tuple(trusted_dirs)}
    if allow_control:  # the shared back-end refuses it with a clear message
        options["allow_control"] = True
    with get_simulator(backend, **options) as sim:
        result = sim.run(deck, analyses=analyses, timeout=timeout, keep=keep)
    for probe in probes:
        if not any(probe in p for p in result.plots):
            result.primary[probe]  # raises SignalNotFound listing what exists
    out.mkdir(parents=True, exist_ok=True)
    _check_deadline(deadline, timeout, "reading the results", [])
    files = [result.to_netcdf(out / "result.nc")]
    if plots:
        for name, p in zip(result.group_names(), result.plots):
            figure = _FIGURES.get(p.analysis)
            if figure is None or not p.signals or (p.analysis != "pz" and (p.axis is None or len(p.axis) < 2)):
                continue
            _check_deadline(deadline, timeout, "drawing the figures", files)
            suffix = name[len(p.analysis):]  # "2" for the second plot of a kind
            files += _draw(result, p, figure, suffix, out, probes)
    return SimulationSummary(result, out, files, probes)


def _draw(result: Result, p, figure: str, suffix: str, out: Path, probes: list[str]) -> list[Path]:
    from .plots import plot_bode, plot_noise, plot_nyquist, plot_pole_zero, plot_signals

    title = f"{result.title} — {p.plotname}"
    selected = [s for s in probes if s in p] or None
    if probes and not selected:
        return []  # the probes name signals of another analysis
    if p.analysis in ("ac", "sp"):
        return [
            plot_bode(p, selected, out / f"bode{suffix}.png", title=f"{title}: Bode plot"),
            plot_nyquist(p, selected, out / f"nyquist{suffix}.png", title=f"{title}: Nyquist plot"),
        ]
    if p.analysis == "noise":
        return [plot_noise(p, out / f"noise{suffix}.png", title=title)]
    if p.analysis == "pz":
        return [plot_pole_zero(p, out / f"poles-zeros{suffix}.png", title=title)] if len(p.poles) + len(p.zeros) else []
    try:
        return [plot_signals(p, selected, out / f"{figure}{suffix}.png", title=title)]
    except SignalNotFound:
        return []


def _check_deadline(deadline: float, timeout: float, stage: str, written: list[Path]) -> None:
    if time.monotonic() > deadline:
        done = f" Already written: {', '.join(str(f) for f in written)}." if written else ""
        raise SimulationTimeout(
            f"the simulation finished, but {stage} ran past the {timeout:g} s timeout.{done}",
            hint="Raise --timeout, pass --no-plot, or save fewer signals (.save).",
        )
