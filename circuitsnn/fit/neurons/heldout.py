"""Held-out validation of a fitted neuron surrogate: stimuli the fit never saw, in fresh decks.

* **f-I** at the protocol's held-out currents (interleaved with the fitted ones): steady rate
  within :data:`~circuitsnn.fit.validate.FI_TARGET` (2 %), and no current that fires in only
  one of SPICE and the surrogate;
* **noisy currents**: piece-wise constant Ornstein-Uhlenbeck currents into several copies,
  simulated at settings shown converged first (:func:`circuitsnn.fit.convergence.converge`:
  halve reltol and max step until spike times move by less than 0.2 % of the ISI); the
  reference's settings and convergence history are recorded in ``reference_convergence``;
* **an input spike train**: rectangular current pulses at Poisson times (a synapse's output).

Spike trains are judged by the share of spikes within 1 % of the ISI
(:data:`MIN_FRAC_WITHIN` of them) and the share left unpaired (at most
:data:`MAX_UNPAIRED_FRAC`); see :mod:`circuitsnn.fit.validate` for the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...surrogates.lif import LIFParameters
from ...surrogates.waveforms import source_points
from ..data import SimData
from ..outcome import Overlay, Raster
from ..validate import FI_TARGET, SPIKE_TIMING_TARGET, compare_spike_trains, fi_error, merge_train_metrics
from .protocol import (FitData, NeuronProtocol, currents_of, held_pwl, ou_current, poisson_pulses, spike_extractor,
                       stimulus_deck, tighten, train_extractor, unpad)
from .stages import constant_current_spikes, surrogate_spikes

#: pass criteria on held-out spike trains: share of paired spikes within 1 % of the ISI, and
#: share of spikes left unpaired (missed or extra)
MIN_FRAC_WITHIN = 0.95
MAX_UNPAIRED_FRAC = 0.02


@dataclass
class HeldOut:
    """The held-out metrics by stimulus, the failures and the figures."""

    validation: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    figures: list = field(default_factory=list)
    #: how the noisy-current reference was shown converged (:mod:`circuitsnn.fit.convergence`)
    convergence: dict[str, Any] = field(default_factory=dict)


def validate(component, params, data: SimData, proto: NeuronProtocol, sp: LIFParameters, fd: FitData, *,
             dt_fit: float, min_isi: float) -> HeldOut:
    """Every held-out check of the fitted surrogate ``sp`` (module docstring)."""
    out = HeldOut()
    _fi(component, params, data, proto, sp, fd, dt_fit, out)
    rng = np.random.default_rng(proto.seed)
    tau_e = fd.time_scale()
    max_dt = min(float(f"{proto.noisy_hold_tau * tau_e:.3g}"), 0.5 * float(sp.t_ref) + 0.5 * min_isi)
    _noisy(component, params, data, proto, sp, rng, tau_e, max_dt, out)
    _train(component, params, data, proto, sp, rng, tau_e, max_dt, out)
    for key in ("noisy_current", "input_spike_train"):
        judge(key, out.validation[key], out.failures)
    return out


def judge(key: str, m: dict[str, Any], failures: list[str]) -> None:
    """Mark a merged spike-train metric passed or failed against the targets."""
    m["min_frac_within"] = MIN_FRAC_WITHIN
    m["max_unpaired_frac"] = MAX_UNPAIRED_FRAC
    unpaired_frac = m["n_unpaired"] / max(m["n_spice"], 1)
    ok = m["n_spice"] > 0 and m["frac_within_target"] >= MIN_FRAC_WITHIN and unpaired_frac <= MAX_UNPAIRED_FRAC
    m["passed"] = bool(ok)
    if not ok:
        failures.append(
            f"held-out {key.replace('_', ' ')}: {100 * m['frac_within_target']:.3g} % of spikes within "
            f"{100 * SPIKE_TIMING_TARGET:.3g} % of the ISI (need {100 * MIN_FRAC_WITHIN:.3g} %), "
            f"{m['n_unpaired']} of {m['n_spice']} unpaired"
        )


def _fi(component, params, data, proto, sp, fd, dt_fit, out: HeldOut) -> None:
    from ...library.neurons import spikes

    vcur = currents_of(proto.val_multiples, float(params.current_scale()))
    tbv = component.testbench("fi", params, currents=[float(c) for c in vcur], n_isi=proto.n_isi)
    dv = data.run("val_fi", tighten(tbv.deck, proto.reltol), spike_extractor(params, len(vcur)), tag="val_fi")
    vtr = unpad(dv["spikes"])
    mtr = constant_current_spikes(sp, vcur, fd.onset, float(dv["t_stop"]), dt_fit)
    f_sp = np.array([spikes.firing_rate(t, tail=0.5) for t in vtr])
    f_m = np.array([spikes.firing_rate(t, tail=0.5) for t in mtr])
    fie = fi_error(f_sp, f_m)
    fie["target"] = FI_TARGET
    fie["passed"] = bool(fie["rel_err_max"] <= FI_TARGET and fie["n_onset_mismatch"] == 0)
    out.validation["fi"] = fie
    if not fie["passed"]:
        out.failures.append(f"held-out f-I: max error {100 * fie['rel_err_max']:.3g} % > {100 * FI_TARGET:.3g} % "
                            f"or {fie['n_onset_mismatch']} currents fire in only one of SPICE/surrogate")
    f_fit_sp = np.array([spikes.firing_rate(tr, tail=0.5) for tr in fd.trains])
    f_fit_m = np.array([spikes.firing_rate(t, tail=0.5)
                        for t in constant_current_spikes(sp, fd.currents, fd.onset, fd.t_stop, dt_fit)])
    out.figures.append(Overlay("f-I: fit currents", fd.currents, f_fit_sp, f_fit_m, "input current (A)", "rate (Hz)",
                               marker=True))
    out.figures.append(Overlay("f-I: held-out currents", vcur, f_sp, f_m, "input current (A)", "rate (Hz)",
                               held_out=True, marker=True))


def _noisy(component, params, data, proto, sp, rng, tau_e, max_dt, out: HeldOut) -> None:
    scale = float(params.current_scale())
    hold = float(f"{proto.noisy_hold_tau * tau_e:.3g}")
    n_hold = int(round(proto.noisy_duration_tau * tau_e / hold))
    edge = min(float(component.max_step_for(params)), hold / 10)
    waves = [held_pwl(ou_current(rng, n_hold, hold, proto.noisy_mean * scale, proto.noisy_std * scale,
                                 proto.noisy_corr_tau * tau_e), hold, edge) for _ in range(proto.noisy_copies)]
    n_stop = n_hold * hold
    from ..convergence import converge, describe

    base = stimulus_deck(component, params, waves, n_stop, f"{component.name} held-out noisy currents")
    h = float(component.max_step_for(params))
    # start from the component's own reltol where it declares a tighter one (as tighten() does)
    reltol = float(dict(tighten(base, proto.reltol).options)["reltol"])
    deck, dn, report = converge(base, spike_extractor(params, len(waves)), lambda d: unpad(d["spikes"]), data,
                                "val_noisy", reltol=reltol, max_step=h, duration=n_stop)
    out.convergence = report
    if not report["converged"]:
        out.failures.append(f"held-out noisy currents: {describe(report)}: declare tighter sim_options/max_step")
    nsp = unpad(dn["spikes"])
    nmod = surrogate_spikes(sp, [source_points(deck, f"Iin{k}") for k in range(len(waves))], n_stop, max_dt)
    out.validation["noisy_current"] = merge_train_metrics([compare_spike_trains(a, b, n_stop) for a, b in zip(nsp, nmod)])
    out.figures.append(Raster("spikes under noisy currents (held out)", nsp, nmod, n_stop))


def _train(component, params, data, proto, sp, rng, tau_e, max_dt, out: HeldOut) -> None:
    scale = float(params.current_scale())
    h = float(component.max_step_for(params))
    width = float(f"{0.3 * tau_e:.3g}")
    amp = float(f"{3.0 * scale:.4g}")
    times = poisson_pulses(rng, proto.train_inputs, 0.6 * tau_e, width, width + 2 * h + 0.1 * tau_e)
    tbs = component.testbench("spike_train", params, times=list(times), i_amp=amp, width=width)
    ds = data.run("val_spike_train", tighten(tbs.deck, proto.reltol), train_extractor(params), tag="val_train")
    s_stop = float(ds["t_stop"])
    smod = surrogate_spikes(sp, [source_points(tbs.deck, "Iin")], s_stop, max_dt)
    out.validation["input_spike_train"] = merge_train_metrics([compare_spike_trains(ds["spikes"], smod[0], s_stop)])
    out.figures.append(Raster("spikes under a random input pulse train (held out)", [ds["spikes"]], smod, s_stop))
