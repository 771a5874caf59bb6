"""Digital-code synapse surrogate: the read law of :mod:`circuitsnn.physics.digital_code` on torch.

::

    I(in -> out) = v (1 + beta v) sum_k bit_k g_b<k>

``bits`` are 0/1 (or values in between, relaxed for learning) with the LSB first; the
conductances ``g_b<k>`` and ``beta`` come from the fit. No dynamics: writing a code sets the
conductance at once.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch

from ..errors import ValidationError
from ..physics.digital_code import read_current, read_parameters
from ..physics.expr import TORCH, Backend, compile_exprs
from .device import ParamModule


def n_bits_of(p: Mapping[str, Any]) -> int:
    """The word length of a parameter set (its ``g_b<k>`` entries)."""
    n = 0
    while f"g_b{n}" in p:
        n += 1
    if n == 0:
        raise ValidationError("a digital-code surrogate needs the bit conductances g_b0 .. g_b<N-1>.",
                              hint=f"Given: {', '.join(sorted(p))}.")
    return n


def code_to_bits(code: torch.Tensor, n_bits: int) -> torch.Tensor:
    """Integer codes ``(...)`` -> bits ``(..., n_bits)`` (LSB first) as floats."""
    code = torch.as_tensor(code)
    shifts = torch.arange(n_bits, device=code.device)
    dtype = code.dtype if code.is_floating_point() else torch.float64
    return ((code.long().unsqueeze(-1) >> shifts) & 1).to(dtype)


def digital_current(v: Any, bits: Any, p: Mapping[str, Any], backend: Backend = TORCH) -> Any:
    """Current (A, ``in -> out``) of the read law at read voltage ``v`` for ``bits`` ``(..., N)``."""
    n = n_bits_of(p)
    if bits.shape[-1] != n:
        raise ValidationError(f"digital-code read: bits have {bits.shape[-1]} columns, the surrogate {n} bits.")
    env = {**p, "v": v} | {f"b{k}": bits[..., k] for k in range(n)}
    return compile_exprs(read_current(n))(env, backend)[0]


class DigitalSynapse(ParamModule):
    """Digital-code synapse (:func:`digital_current`): the current for a read voltage and bits
    ``(..., N)``; :meth:`code_current` for integer codes."""

    def __init__(self, values: Mapping[str, float], *, learn: Iterable[str] = (), dtype=None) -> None:
        n = n_bits_of(values)
        super().__init__({k: values[k] for k in read_parameters(n)}, learn=learn, dtype=dtype)
        self.n_bits = n

    @classmethod
    def from_values(cls, component: Any, values: Mapping[str, float], **kw: Any) -> "DigitalSynapse":
        return cls(values, **kw)

    def forward(self, v: torch.Tensor, bits: torch.Tensor) -> torch.Tensor:
        return digital_current(v, bits, self.params())

    def code_current(self, v: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        return self.forward(v, code_to_bits(code, self.n_bits).to(v.dtype))
