"""Pure, differentiable step functions of the fitted surrogates (norse style): the neuron ones,
re-exported here for existing callers.

Every model is written as ``step(x, state, p, dt) -> (out, state)``: ``x`` the input over one
time step of length ``dt`` (held constant during the step), ``state`` and ``p`` NamedTuples of
tensors (or floats) that broadcast against ``x``. Nothing here knows SPICE; the parameters come
from :mod:`circuitsnn.fit.core` and are stored in ``models/<name>.json``.

Each model lives in its own file: the LIF (every neuron circuit's effective model: step, run,
f-I, compiled loop) in :mod:`.lif`, the spike functions and surrogate gradients in
:mod:`.spikes`; the synapse surrogates one per file beside them: the law devices (memristors,
any user law) in :mod:`.device`, and :mod:`.schottky`, :mod:`.optocoupler` (with
:mod:`.diode`), :mod:`.digital_code`, each built on its law in :mod:`circuitsnn.physics`.
"""

from __future__ import annotations

from typing import Union

import torch

from .lif import (  # noqa: F401
    LIFParameters, LIFState, _eif_free, _has_eif, _lif_run_loop, _log_expm1_ratio, _relax, law_values, lif_initial_state,
    lif_latency, lif_rate, lif_run, lif_spike_times_fast, lif_step,
)
from .spikes import DEFAULT_ALPHA, _SuperSpike, soft_spike, spike_fn, superspike  # noqa: F401

Number = Union[float, torch.Tensor]
