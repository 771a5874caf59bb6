"""The neuron modules (:class:`LIFCell`, :class:`LIF`: thin ``torch.nn.Module`` wrappers around
the LIF step functions, defined in :mod:`.lif`), and :func:`from_model`, which builds any
component's module from its stored surrogate.

Build one from a fitted surrogate with e.g. ``LIFCell.from_model("models/lif.json", dt=1e-5)``,
or any component with :func:`from_model` (synapse modules live beside their step functions:
:mod:`.device` for law devices such as the memristors, :mod:`.schottky`, :mod:`.optocoupler`,
:mod:`.digital_code`). A neuron in SI units (voltage pulses out) is :mod:`.neuron`.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from ..errors import ValidationError
from .lif import LIF, LIFCell, LIFParameters  # noqa: F401  (the neuron modules live in surrogates/lif.py)


def from_model(path: str | Path, **kw) -> nn.Module:
    """The torch module of a stored surrogate (``models/<name>.json``): built by the ``module``
    entry point of the component the file belongs to, from the component's nominal parameter
    values overlaid with the fitted ones; ``kw`` (e.g. ``dt=``, ``learn=``) go to the module.
    Neurons without their own entry point get the effective LIF (:class:`LIFCell`)."""
    from ..library.registry import get
    from ..physics.law import values_of
    from .artifacts import load_model

    m = load_model(path)
    comp = get(m.name)
    builder = comp.resolve("module")
    if builder is None:
        if comp.kind == "neuron" and m.model == "LIFParameters":
            return LIFCell(LIFParameters(**{k: v for k, v in m.parameters.items() if k in LIFParameters._fields}), **kw)
        raise ValidationError(f"component {comp.name!r} declares no torch module for its surrogate.",
                              hint="Set Component.module to a builder module(component, values, **kw) -> nn.Module "
                              "(or 'module:attribute').")
    return builder(comp, {**values_of(comp.default_params()), **m.parameters}, **kw)
