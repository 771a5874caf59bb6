"""Check that every signal a sweep measures exists, before the sweep runs.

The names ngspice gives its vectors depend on the deck (subcircuit nesting, sources, ``.save``,
included models), so the check asks ngspice itself: the first point's deck runs once with its
analyses shortened to a few steps (a transient to two time steps, a DC sweep to its first
value), which gives the same vector names as the full run in a fraction of its time. Every
signal a measure names (``signal``, ``current``, ...) must be among them; a missing one is a
:class:`~.spec.SpecError` at the measure's key, with the signals that do exist.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import SimulationError, ValidationError
from ..spice.ir import DcSweep, Deck, Tran
from ..spice.result import Result, normalize_signal
from .plan import SweepPlan, _coords_text
from .spec import SpecError, locate


@dataclass(frozen=True)
class SignalCheck:
    """What the dry run of the first point found."""

    #: every signal name of the first point's results, normalized (``v(out)``, ``i(vout)``)
    available: tuple[str, ...] = ()
    #: the measured signals, each found in the results
    checked: tuple[str, ...] = ()
    #: why the first point could not be simulated ('' when it ran)
    error: str = ""


def shortened(deck: Deck) -> Deck:
    """The same deck with each analysis cut to a few points (same vectors, little time)."""
    out = []
    for a in deck.analyses:
        if isinstance(a, Tran):
            a = Tran(step=a.step, stop=2 * a.step, max_step=a.max_step, uic=a.uic)
        elif isinstance(a, DcSweep):
            a = dataclasses.replace(a, stop=a.start, stop2=a.start2)
        out.append(a)
    return deck.with_analyses(*out)


def measured_signals(plan: SweepPlan) -> list[tuple[str, str, str]]:
    """(measure name, argument, normalized signal) of every signal the plan's measures read."""
    out = []
    for name, m in plan.measures.items():
        for arg in m.definition.signals:
            if arg in m.args:
                out.append((name, arg, normalize_signal(str(m.args[arg]))))
    return out


def _available(result: Result) -> tuple[str, ...]:
    names: list[str] = []
    for p in result.plots:
        names += list(p.signals)
    return tuple(sorted(set(names)))


def check_signals(plan: SweepPlan, *, timeout: float | None = None) -> SignalCheck:
    """Simulate the first point briefly and check every measured signal against its results.

    Raises :class:`ValidationError` (located to the TOML line when the spec came from a file)
    naming the first missing signal and the ones that exist. When the first point does not
    simulate, returns a :class:`SignalCheck` whose ``error`` says why (nothing was checked).
    """
    from ..spice.batch import BatchSimulator

    wanted = measured_signals(plan)
    if not wanted:
        return SignalCheck()
    first = plan.point(0)
    _tb, deck = plan.build(first)
    try:
        result = BatchSimulator(timeout=timeout or plan.spec.timeout).run(shortened(deck))
    except (SimulationError, ValidationError) as exc:
        return SignalCheck(error=f"the first point ({_coords_text(first.coords)}) did not simulate: {getattr(exc, 'message', str(exc))}")
    available = _available(result)
    for name, arg, signal in wanted:
        if signal not in available:
            exc = SpecError(
                ("measures", name, arg),
                f"{signal!r} is not a signal of testbench {plan.spec.testbench!r}: the measure would fail at every point.",
                hint=f"Its signals: {', '.join(available) or 'none'}. Inside a subcircuit, name the instance: v(x1.node).",
            )
            if plan.spec.source_text is not None:
                raise locate(exc, plan.spec.source_text, plan.spec.source) from None
            raise exc
    return SignalCheck(available, tuple(dict.fromkeys(s for _n, _a, s in wanted)))


def describe(check: SignalCheck) -> str:
    """One line for ``--check``."""
    if check.error:
        return f"signals: not checked, {check.error}"
    if not check.checked:
        return "signals: no measure reads a signal"
    return f"signals: {', '.join(check.checked)} found in the first point's results ({len(check.available)} signals)"
