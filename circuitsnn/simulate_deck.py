"""Simulate one deck into a folder: ``result.nc``, a plot per analysis, a summary.

The library function behind ``circuitsnn simulate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .spice.ir import Analysis
from .spice.result import Result
from .spice.simulator import DeckLike, get_simulator
from .outdir import output_dir
from .units import check_timeout, si_format


@dataclass
class SimulationSummary:
    result: Result
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)

    def text(self) -> str:
        from .plots import summarize

        r = self.result
        lines = [f"{r.title}: ngspice {r.ngspice_version} ({r.backend}), {si_format(r.elapsed, 's', 3)}"]
        for p in r.plots:
            if p.axis is None:
                values = ", ".join(f"{k}={si_format(v[0], p.units.get(k, ''))}" for k, v in list(p.signals.items())[:8])
                lines.append(f" {p.analysis}: {values}")
            else:
                lines.append(
                    f" {p.analysis}: {len(p.axis)} points, {p.axis_name} {si_format(p.axis[0], p.axis_unit)}"
                    f" .. {si_format(p.axis[-1], p.axis_unit)}, {len(p.signals)} signals"
                )
                probes = [s for s in self.probes if s in p] or None
                from .plots import default_probes

                lines += summarize(p, probes or default_probes(p, 4))
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
) -> SimulationSummary:
    """Run ``deck`` and write ``result.nc`` and ``transient.png`` (``sweep.png`` for a DC sweep)."""
    from .plots import plot_signals

    timeout = check_timeout(timeout)
    out = output_dir(out_dir)  # before simulating: a bad folder fails at once
    probes = list(probes)
    options: dict = {"trusted_dirs": tuple(trusted_dirs)}
    if allow_control:  # the shared back-end refuses it with a clear message
        options["allow_control"] = True
    _check_requirements(deck)
    with get_simulator(backend, **options) as sim:
        result = sim.run(deck, analyses=analyses, timeout=timeout, keep=keep)
    out.mkdir(parents=True, exist_ok=True)
    files = [result.to_netcdf(out / "result.nc")]
    for p in result.plots:
        if p.axis is None:
            continue
        name = {"tran": "transient", "dc": "sweep"}.get(p.analysis, p.analysis)
        selected = [s for s in probes if s in p] if probes else None
        if probes and not selected:
            p[probes[0]]  # raises SignalNotFound listing what exists, rather than plot something else
        files.append(plot_signals(p, selected, out / f"{name}.png", title=f"{result.title} — {p.plotname}"))
    return SimulationSummary(result, out, files, probes)


def _check_requirements(deck: DeckLike) -> None:
    """Warn when a deck file instantiates library subcircuits with looser simulator settings
    than they declare (:mod:`circuitsnn.spice.requirements`)."""
    if isinstance(deck, (str, Path)) and Path(deck).is_file():
        from .spice import requirements

        path = Path(deck)
        requirements.warn(path.read_text(errors="replace"), path.parent, where=str(path))

