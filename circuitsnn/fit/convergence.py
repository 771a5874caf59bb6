"""Is a SPICE run converged enough to be called the truth?

A fidelity claim ("the surrogate's spikes land within 1 % of the ISI of SPICE's") is only as
good as the SPICE run it is measured against. :func:`converge` checks it: it reruns the
reference deck with ``reltol`` and the max step halved together, and again, until the spike
times of two successive runs move by less than ``tol_isi`` x the local inter-spike interval.
The coarser run of the first agreeing pair is the converged reference; the settings, the
shifts measured at every halving and whether it converged are recorded in the surrogate's
provenance (``extra["reference_convergence"]``).

Measured on this project's neurons: the LIF agrees with its halved run within 1e-4 of the ISI
at reltol 1e-5; the level-1 Axon-Hillock's spike error falls only about linearly with reltol
(3.3 % of the ISI at 1e-5, 0.16 % at 1e-7, against 2.5e-8), so successive halvings from 1e-5
never agree within 0.2 %: it declares reltol 1e-7, where one halving moves spikes by 0.09 %.
The fitters start from the tighter of the protocol's and the component's reltol.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Sequence

import numpy as np

from ..spice.ir import Deck, Tran
from .data import SimData
from .validate import compare_spike_trains

#: spike times must move by less than this fraction of the ISI between successive halvings
DEFAULT_TOL_ISI = 0.002


def with_settings(deck: Deck, reltol: float, max_step: float) -> Deck:
    """``deck`` with ``.options reltol`` and every ``.tran``'s step and max step set."""
    analyses = tuple(
        dataclasses.replace(a, step=min(a.step, max_step), max_step=max_step) if isinstance(a, Tran) else a
        for a in deck.analyses
    )
    return dataclasses.replace(deck, options={**dict(deck.options), "reltol": reltol}, analyses=analyses)


def max_shift(a: Sequence[np.ndarray], b: Sequence[np.ndarray], duration: float) -> dict[str, float]:
    """Worst spike-time shift between two runs' trains, relative to the local ISI, and how many
    spikes did not pair (a spike that appears or vanishes counts as a shift of 1 ISI)."""
    worst, unpaired, n = 0.0, 0, 0
    for ta, tb in zip(a, b):
        m = compare_spike_trains(ta, tb, duration)
        n += m.n_spice
        unpaired += abs(m.n_spice - m.n_paired) + abs(m.n_model - m.n_paired)
        if m.rel_errors.size:
            worst = max(worst, float(np.max(m.rel_errors)))
    if unpaired:
        worst = max(worst, 1.0)
    return {"max_shift_isi": worst, "unpaired": int(unpaired), "spikes": int(n)}


def converge(
    deck: Deck,
    extract: Callable[[Any], dict],
    trains_of: Callable[[dict], list[np.ndarray]],
    data: SimData,
    label: str,
    *,
    reltol: float,
    max_step: float,
    duration: float,
    tol_isi: float = DEFAULT_TOL_ISI,
    max_halvings: int = 3,
) -> tuple[Deck, dict, dict[str, Any]]:
    """The converged reference of ``deck`` (see the module docstring).

    ``extract`` turns a result into arrays (cached by :class:`SimData` under ``label``);
    ``trains_of`` reads the spike trains out of them. Returns ``(deck, data, report)``: the
    converged deck and its extracted data (the coarser of the first agreeing pair; the finest run
    when none agreed) and the report (settings, history, ``converged``)."""
    history: list[dict[str, Any]] = []
    cur_deck = with_settings(deck, reltol, max_step)
    cur = data.run(label, cur_deck, extract, tag=label)
    settings = {"reltol": reltol, "max_step": max_step}
    for k in range(1, max_halvings + 1):
        r, h = reltol / 2**k, max_step / 2**k
        nxt_deck = with_settings(deck, r, h)
        nxt = data.run(f"{label}_conv{k}", nxt_deck, extract, tag=label)
        shift = max_shift(trains_of(cur), trains_of(nxt), duration)
        history.append({"reltol": r, "max_step": h, **shift})
        if shift["max_shift_isi"] <= tol_isi:
            return cur_deck, cur, {"converged": True, "tol_isi": tol_isi, **settings, "history": history}
        cur_deck, cur, settings = nxt_deck, nxt, {"reltol": r, "max_step": h}
    return cur_deck, cur, {"converged": False, "tol_isi": tol_isi, **settings, "history": history}


def describe(report: dict[str, Any]) -> str:
    h = report.get("history", [])
    last = h[-1]["max_shift_isi"] if h else math.nan
    state = "converged" if report.get("converged") else "NOT converged"
    return (f"reference {state} at reltol {report.get('reltol'):.3g}, max step {report.get('max_step'):.3g} s "
            f"(last halving moved spikes by {last:.2g} of the ISI; tolerance {report.get('tol_isi'):.2g})")
