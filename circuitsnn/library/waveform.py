"""Drive any component with your own stimulus: the ``waveform`` testbench every component has.

A neuron gets an arbitrary input current into its membrane; a synapse an arbitrary voltage on
``in`` (a programming sequence of pulses of any shape, reads in between) with ``out`` held at
0 V through an ammeter and its control ports held at given DC levels. The stimulus is a
piece-wise linear waveform: ``points`` (an ``(n, 2)`` array of time s, value) or a CSV file with
two columns, time (s) and value (A for a neuron, V for a synapse); a header line is allowed::

    time_s,current_A
    0,0
    1e-4,0
    1.1e-4,20e-9
    5e-3,20e-9

From Python: ``component.testbench("waveform", p, points=arr)``; from the command line:
``circuitsnn characterize NAME --stimulus FILE.csv``. The deck runs with the component's own
simulator options and max step.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import ValidationError
from ..spice.ir import Comment, Deck, I, Pwl, Tran, V, X
from .registry import Component, Testbench

#: points per waveform segment the transient resolves at least (for the max step)
POINTS_PER_SEGMENT = 20


def load_stimulus(path: str | Path) -> np.ndarray:
    """Read a two-column CSV (time s, value) into an ``(n, 2)`` array; checks that times rise
    and values are finite, and names the line of the first bad row."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"stimulus file {str(path)!r} does not exist.", hint="Give a CSV with columns time_s,value.")
    rows: list[tuple[float, float]] = []
    with open(p, newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            try:
                t, v = float(row[0]), float(row[1])
            except (ValueError, IndexError):
                if lineno == 1:
                    continue  # a header
                raise ValidationError(f"{p}, line {lineno}: {','.join(row)!r} is not two numbers (time s, value).",
                                      hint="Write plain numbers in base SI units, e.g. 1e-4,20e-9.") from None
            rows.append((t, v))
    return check_points(np.asarray(rows, dtype=float).reshape(-1, 2), str(p))


def check_points(points: Any, what: str = "stimulus") -> np.ndarray:
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 2:
        raise ValidationError(f"{what}: need at least two (time, value) points as an (n, 2) array, got shape {pts.shape}.")
    if not np.all(np.isfinite(pts)):
        raise ValidationError(f"{what}: every time and value must be finite.")
    if pts[0, 0] < 0 or np.any(np.diff(pts[:, 0]) <= 0):
        raise ValidationError(f"{what}: times must start at >= 0 s and rise strictly.", hint="Sort the rows by time; drop repeats.")
    return pts


def _max_step(component: Component, p: Any, pts: np.ndarray) -> float:
    seg = float(np.min(np.diff(pts[:, 0])))
    h = seg / POINTS_PER_SEGMENT * 2
    own = component.max_step_for(p) if hasattr(component, "max_step_for") else component.max_step
    if own:
        h = min(h, float(own))
    return float(f"{h:.3g}")


def waveform_testbench(component: Component, p: Any, *, points: Any = None, file: str | Path | None = None,
                       controls: Mapping[str, float] | None = None, t_stop: float | None = None) -> Testbench:
    """The ``waveform`` testbench of ``component`` (see the module docstring)."""
    if (points is None) == (file is None):
        raise ValidationError(f"the waveform testbench of {component.name!r} needs a stimulus: points= or file= (one of them).",
                              hint="e.g. circuitsnn characterize NAME --stimulus my_current.csv")
    pts = load_stimulus(file) if file is not None else check_points(points)
    stop = float(t_stop) if t_stop is not None else float(pts[-1, 0])
    if stop <= 0:
        raise ValidationError("waveform testbench: t_stop must be > 0 s.")
    sub = component.subckt(p)
    h = _max_step(component, p, pts)
    wave = Pwl(tuple((float(t), float(v)) for t, v in pts))
    if component.kind == "neuron":
        if controls:
            raise ValidationError(f"{component.name!r} is a neuron: it has no control ports to hold (got {sorted(controls)}).")
        ports = ("in", "out", "vdd", "0")
        els = [Comment("supply"), V("Vsupply", "vdd", "0", float(p.vdd)), Comment("your input current into the membrane"),
               I("Iin", "0", "in", wave), X("X1", ports, sub.name)]
        probes = ("v(in)", "v(out)")
    else:
        extra = sub.ports[2:]
        levels = dict(controls or {})
        unknown = set(levels) - set(extra)
        if unknown:
            raise ValidationError(f"{component.name!r} has no control port(s) {sorted(unknown)}.",
                                  hint=f"Its control ports: {', '.join(extra) or 'none'}.")
        els = [Comment("your voltage on in; out held at 0 V through the ammeter Vout"), V("Vin", "in", "0", wave)]
        for c in extra:
            els.append(V(f"V{c}", c, "0", float(levels.get(c, 0.0))))
        els += [X("X1", ("in", "out", *extra), sub.name), V("Vout", "out", "0", 0.0)]
        probes = ("v(in)", "i(vout)")
    deck = Deck(f"{component.name} driven by a user waveform", elements=tuple(els), subckts=(sub,),
                analyses=(Tran(h, stop, 0.0, h),), options=dict(component.sim_options))

    def measure(res: Any) -> dict:
        tr = res.tran
        t = np.asarray(tr.time)
        if component.kind == "neuron":
            from ..spice.spikes import spike_times

            times = spike_times(t, tr["out"], p.spike_threshold())
            return {"time": t, "v_mem": np.asarray(tr["in"]), "spike_times": times, "n_spikes": int(times.size)}
        i = np.asarray(tr.i("Vout"))
        return {"time": t, "i_out": i, "charge": float(np.trapezoid(i, t))}

    units = ({"time": "s", "v_mem": "V", "spike_times": "s", "n_spikes": "1"} if component.kind == "neuron"
             else {"time": "s", "i_out": "A", "charge": "C"})
    return Testbench("waveform", deck, probes, "response to a user-given stimulus waveform", measure, units, "transient")


def waveform_builder(component: Component):
    """The registry's builder for ``component``'s ``waveform`` testbench."""

    def tb_waveform(p: Any, *, points: Any = None, file: str | Path | None = None,
                    controls: Mapping[str, float] | None = None, t_stop: float | None = None) -> Testbench:
        return waveform_testbench(component, p, points=points, file=file, controls=controls, t_stop=t_stop)

    tb_waveform.__doc__ = waveform_testbench.__doc__
    tb_waveform.needs_stimulus = True  # type: ignore[attr-defined]
    return tb_waveform
