"""``fit_neuron``: the effective LIF surrogate of a neuron component, fitted and validated.

The component names it as its ``fitter`` (``"circuitsnn.fit.neurons:fit_neuron"``); the
pipeline (:func:`circuitsnn.fit.pipeline.fit_component`) calls it through the registry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...surrogates.lif import LIFParameters
from ...surrogates.spikes import DEFAULT_ALPHA
from ..core import FitReport
from ..data import SimData
from ..outcome import SurrogateFit
from . import heldout
from .protocol import NeuronProtocol, collect
from .stages import design_guess, fit_membrane, fit_threshold, fit_trains, lif

UNITS = {"tau_m": "s", "r_in": "Ohm", "v_rest": "V", "v_th": "V", "v_reset": "V", "t_ref": "s",
         "t_delay": "s", "tau_w": "s", "b": "A", "i_ref": "A", "alpha": "1/V", "delta_t": "V"}


def fit_neuron(component, params, data: SimData, protocol: NeuronProtocol | None = None, *,
               quick: bool = False) -> SurrogateFit:
    """Fit and validate the effective LIF surrogate of a neuron component (see
    :mod:`circuitsnn.fit.neurons`). ``protocol`` defaults to :class:`NeuronProtocol` (its
    ``quick()`` form with ``quick=True``: shorter held-out stimuli)."""
    proto = protocol or (NeuronProtocol.quick() if quick else NeuronProtocol())
    scale = float(params.current_scale())
    fd = collect(component, params, data, proto)
    guess = design_guess(params)

    membrane = fit_membrane(component.name, fd, guess)
    threshold = fit_threshold(component.name, fd, membrane.values, guess)
    trains = fit_trains(component.name, fd, membrane.values, threshold.values, guess, scale)
    fits: dict[str, FitReport] = {"membrane": membrane.report, "threshold": threshold.report, "spikes": trains.report}
    values = dict(trains.values)
    sp = lif(values)
    failures = [f"fit {r.name}: {f}" for r in fits.values() for f in r.failures]

    checks = heldout.validate(component, params, data, proto, sp, fd, dt_fit=trains.dt, min_isi=trains.min_isi)
    failures += checks.failures

    # the output pulse, measured on the fit deck's firing copies: the SI surrogate's output (the
    # width's range says how much it varies with the input: not at all for the LIF family, with
    # the reset current for the Axon-Hillock)
    widths = fd.widths
    pulse = {"amplitude": float(np.median(fd.amplitude[fd.firing])),
             "width": float(np.median(widths)) if widths.size else float("nan"),
             "width_min": float(widths.min()) if widths.size else float("nan"),
             "width_max": float(widths.max()) if widths.size else float("nan")}
    values["alpha"] = DEFAULT_ALPHA
    notes = membrane.notes + trains.notes + [f"alpha = {DEFAULT_ALPHA:g} /V is the surrogate-gradient scale, not fitted."]
    extra: dict[str, Any] = {
        "output_pulse": pulse,
        "c_m": values["tau_m"] / values["r_in"],
        "rheobase": float(sp.rheobase),
        "current_scale": scale,
        "protocol": proto.as_dict(),
        "reference_convergence": checks.convergence,
    }
    return SurrogateFit(
        component=component.name, kind="neuron", family=component.family, model="LIFParameters",
        parameters={k: float(values[k]) for k in LIFParameters._fields}, units=dict(UNITS), fits=fits,
        validation=checks.validation, failures=failures, component_params=params, decks=dict(data.decks),
        figures=membrane.figures + trains.figures + checks.figures, extra=extra, notes=notes,
    )

