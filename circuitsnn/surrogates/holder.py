"""Holding a surrogate's parameters in an ``nn.Module``: the fields of a parameter NamedTuple as
tensors, buffers or (for the names a learner asks for) ``nn.Parameter``s."""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

from ..errors import ValidationError


class ParamHolder(nn.Module):
    """Stores the fields of a parameter NamedTuple as float64-able tensors."""

    def _store(self, p: tuple, learn: Iterable[str], dtype: torch.dtype) -> None:
        learn = set(learn)
        unknown = learn - set(p._fields)  # type: ignore[attr-defined]
        if unknown:
            raise ValidationError(
                f"{type(self).__name__}: cannot learn unknown parameter(s) {sorted(unknown)}.",
                hint=f"Known: {', '.join(p._fields)}.",  # type: ignore[attr-defined]
            )
        self._names = tuple(p._fields)  # type: ignore[attr-defined]
        self._cls = type(p)
        for name in self._names:
            t = torch.as_tensor(getattr(p, name), dtype=dtype).clone()
            if name in learn:
                setattr(self, name, nn.Parameter(t))
            else:
                self.register_buffer(name, t)

    def params(self):
        return self._cls(**{n: getattr(self, n) for n in self._names})


__all__ = ["ParamHolder"]
