"""The fused LIF layer's forward (:func:`.neurons._layer_forward`) as one CPU loop with the
time steps innermost.

``torch.compile`` turns :func:`~.neurons._layer_forward` into pointwise loops over the neurons,
but it splits the ``T`` chained steps into several loops that recompute or re-read the
membrane chain; measured here (784-256-10, T = 25, batch 128, one thread) that forward took
15 ms of a 45 ms training step. This kernel walks 16 neurons at a time (one AVX-512 vector)
through all ``T`` steps, keeping ``v`` and the refractory clock in registers, and writes each
output once. It states :func:`~.neurons._lean_parts` operation for operation in ATen's
vectorized float arithmetic (the same ``exp``/``log1p`` that eager and compiled torch use), so
its spikes equal the torch forward's (a test runs both); the surrogate derivative is not here:
the backward takes it from ``x = v_end - v_th`` through :mod:`.surrogate`.

The kernel is built once per neuron parameter set by torch inductor's C++ tool chain (the
compiler ``torch.compile`` needs anyway; about 2 s) and runs for float32 CPU tensors; anything
else (float64, a GPU, a build failure) takes the compiled torch forward.
"""

from __future__ import annotations

import warnings
from typing import Callable

import torch

from ..surrogates.functional import LIFParameters

_SOURCE = r"""
#include <torch/csrc/inductor/cpp_prefix.h>
extern "C" void kernel(const float* cur, const float* v0, const float* ref0, float* z_out, float* x_out,
                       float* decay_out, float* d_after_out, float* v_out, int64_t T, int64_t n, int64_t record_v)
{
    using V = at::vec::Vectorized<float>;
    const V zero(0.0f), one(1.0f), dt(DT), tau(TAU), r_in(R_IN), v_rest(V_REST), v_th(V_TH), v_reset(V_RESET),
        t_ref(T_REF), tiny(TINY);
    constexpr int64_t W = V::size();
    #pragma omp parallel for
    for (int64_t j = 0; j < n; j += W) {
        const int64_t m = std::min<int64_t>(W, n - j);
        V v = V::loadu(v0 + j, m), ref = V::loadu(ref0 + j, m);
        for (int64_t t = 0; t < T; ++t) {
            const int64_t o = t * n + j;
            const V i = V::loadu(cur + o, m);
            // _lean_parts, in its order of operations
            const V busy = at::vec::minimum(at::vec::maximum(ref, zero), dt);
            const V free = dt - busy;
            const V decay = (free.neg() / tau).exp();
            const V v_inf = i * r_in + v_rest;
            const V v_end = v_inf + (v - v_inf) * decay;
            const V x = v_end - v_th;
            const auto fired = x >= zero;  // all ones where the Heaviside spike is 1
            const V gap = at::vec::maximum(v_th - v, zero);
            const V den = at::vec::maximum(v_inf - v_th, tiny);
            const V t_cross = at::vec::minimum((gap / den).log1p() * tau, free);
            const V left = free - t_cross;
            const V ref_after = t_ref - left;
            const V released = at::vec::maximum(ref_after.neg(), zero);
            const V d_after = (released.neg() / tau).exp();
            const V v_after = v_inf + (v_reset - v_inf) * d_after;
            ref = V::blendv(ref - busy, at::vec::maximum(ref_after, zero), fired);
            v = V::blendv(v_end, v_after, fired);
            (one & fired).store(z_out + o, m);
            x.store(x_out + o, m);
            decay.store(decay_out + o, m);
            d_after.store(d_after_out + o, m);
            if (record_v) v.store(v_out + o, m);
        }
    }
}
"""

_ARGTYPES = ["const float*", "const float*", "const float*", "float*", "float*", "float*", "float*", "float*",
             "int64_t", "int64_t", "int64_t"]

#: (parameters, dt) -> the built kernel, or None where building failed
_BUILT: dict[tuple, Callable | None] = {}


def _literal(x: float) -> str:
    """``x`` rounded to float32 as an exact C++ float literal (what torch does with a Python
    scalar in float32 arithmetic)."""
    return float(torch.tensor(x, dtype=torch.float32)).hex() + "f"


def _kernel(p: LIFParameters, dt: float) -> Callable | None:
    key = (tuple(float(v) for v in p), float(dt))
    if key not in _BUILT:
        consts = {"DT": dt, "TAU": float(p.tau_m), "R_IN": float(p.r_in), "V_REST": float(p.v_rest),
                  "V_TH": float(p.v_th), "V_RESET": float(p.v_reset), "T_REF": float(p.t_ref),
                  "TINY": torch.finfo(torch.float32).tiny ** 0.5}
        src = _SOURCE
        for name, value in consts.items():
            src = src.replace(f"({name})", f"({_literal(value)})")
        try:
            from torch._inductor.codecache import CppPythonBindingsCodeCache

            _BUILT[key] = CppPythonBindingsCodeCache.load_pybinding(_ARGTYPES, src)
        except Exception as exc:  # no compiler, or torch's internals moved: the compiled torch forward
            warnings.warn(f"the LIF layer kernel could not be built ({type(exc).__name__}: {exc}); the layer "
                          "runs its torch.compile forward instead (same spikes, slower).", RuntimeWarning, stacklevel=3)
            _BUILT[key] = None
    return _BUILT[key]


class KernelForward:
    """A drop-in for :func:`~.neurons._layer_forward` (same arguments and results) that runs
    the CPU kernel for float32 tensors and ``fallback`` (the compiled torch forward) otherwise."""

    def __init__(self, fallback: Callable) -> None:
        self.fallback = fallback

    def __call__(self, current: torch.Tensor, v: torch.Tensor, ref: torch.Tensor, p: LIFParameters, dt: float,
                 spike, record_v: bool = False):
        if current.device.type != "cpu" or current.dtype != torch.float32:
            return self.fallback(current, v, ref, p, dt, spike, record_v)
        kernel = _kernel(p, dt)
        if kernel is None:
            return self.fallback(current, v, ref, p, dt, spike, record_v)
        current, v, ref = current.contiguous(), v.contiguous(), ref.contiguous()
        T, n = current.shape[0], v.numel()
        z, x, decay, d_after = (torch.empty_like(current) for _ in range(4))
        v_all = torch.empty_like(current) if record_v else x  # unused unless recorded
        kernel(current, v, ref, z, x, decay, d_after, v_all, T, n, int(record_v))
        return z, x, decay, d_after, (v_all if record_v else None)
