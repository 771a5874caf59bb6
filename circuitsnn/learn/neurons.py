"""LIF neuron layers from the fitted neuron surrogates, in SI, for training.

:func:`lif_train_step` is :func:`circuitsnn.surrogates.functional.lif_step` (exact relaxation
over the step, threshold-crossing time inside the step, refractory period ending inside a
step, adaptation current taken at the middle of the free part) restated lean for training:

* the surrogate gradient is pluggable (:mod:`.surrogate`: shape and scale);
* the reset is not differentiated (the crossing time, the refractory clock and the reset branch
  are computed without gradient, Zenke & Vogels 2021), which saves most of the backward pass;
* it applies to the hard-threshold LIF with or without adaptation (``delta_t = 0``,
  ``i_ref = inf``: the RC LIF and the adaptive LIF).

Its forward pass equals ``lif_step``'s (a test checks spikes and membrane to float precision).
Neurons with an exponential threshold or an active reset (the Axon-Hillock's surrogate) run
``lif_step`` itself, whose surrogate gradient is the fast sigmoid of scale ``p.alpha``
(:class:`LIFNeurons` sets ``alpha`` to the configured scale and refuses other shapes).

State: membrane ``v`` (V), refractory time left ``ref`` (s), adaptation current ``w`` (A).
Currents are in A, times in s.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch
from torch import nn

from ..errors import ValidationError
from ..surrogates.functional import LIFParameters, LIFState, lif_step
from .surrogate import SpikeFunction


class TrainState(NamedTuple):
    v: torch.Tensor
    ref: torch.Tensor
    w: torch.Tensor


def lean_applies(p: LIFParameters) -> bool:
    """Whether :func:`lif_train_step` models ``p`` (hard threshold, fixed refractory period)."""
    return float(p.delta_t) == 0.0 and math.isinf(float(p.i_ref))


def _lean_parts(i: torch.Tensor, s: TrainState, p: LIFParameters, dt: float,
                spike: Callable[[torch.Tensor], torch.Tensor], adapt: bool):
    """The pieces of one lean step: ``(z, v_end, v_after, fired, decay, d_after, ref, w)`` —
    the membrane at the end of the step without and with a spike, whether it fired, the free
    relaxation factor over the step and the one after the reset (both without gradient)."""
    tau = float(p.tau_m)
    with torch.no_grad():
        busy = torch.clamp(s.ref, min=0.0, max=dt)
        free = dt - busy
        decay = torch.exp(-free / tau)
    if adapt:
        w_mid = s.w * torch.exp(-(busy + 0.5 * free) / float(p.tau_w))
        v_inf = float(p.v_rest) + float(p.r_in) * (i - w_mid)
    else:
        v_inf = float(p.v_rest) + float(p.r_in) * i
    v_end = v_inf + (s.v - v_inf) * decay
    z = spike(v_end - float(p.v_th))
    with torch.no_grad():
        fired = z > 0.5
        gap = torch.clamp(float(p.v_th) - s.v, min=0.0)
        den = torch.clamp(v_inf - float(p.v_th), min=torch.finfo(i.dtype).tiny ** 0.5)
        t_cross = torch.minimum(tau * torch.log1p(gap / den), free)
        left = free - t_cross
        ref_after = float(p.t_ref) - left
        released = torch.clamp(-ref_after, min=0.0)
        ref_new = torch.where(fired, torch.clamp(ref_after, min=0.0), s.ref - busy)
        d_after = torch.exp(-released / tau)
    v_after = v_inf + (float(p.v_reset) - v_inf) * d_after
    if adapt:
        with torch.no_grad():
            kick = torch.where(fired, float(p.b) * torch.exp(-left / float(p.tau_w)), torch.zeros_like(left))
        w_new = s.w * math.exp(-dt / float(p.tau_w)) + kick
    else:
        w_new = s.w
    return z, v_end, v_after, fired, decay, d_after, ref_new, w_new


def lif_train_step(i: torch.Tensor, s: TrainState, p: LIFParameters, dt: float,
                   spike: Callable[[torch.Tensor], torch.Tensor], *, adapt: bool = False) -> tuple[torch.Tensor, TrainState]:
    """One step of length ``dt`` (s) with input current ``i`` (A); ``(z, state)`` (module
    docstring). ``adapt``: the adaptation current ``w`` is on (``p.b != 0``)."""
    z, v_end, v_after, fired, _, _, ref_new, w_new = _lean_parts(i, s, p, dt, spike, adapt)
    return z, TrainState(torch.where(fired, v_after, v_end), ref_new, w_new)


def _layer_forward(current: torch.Tensor, v: torch.Tensor, ref: torch.Tensor, p: LIFParameters, dt: float,
                   spike: "SpikeFunction", record_v: bool = False):
    """All ``T`` steps of a feed-forward, non-adapting lean layer without a graph: the spikes
    ``z`` and, per step, what :func:`_layer_backward` needs — ``x = v_end - v_th`` (the spike
    function's argument, V) and the two relaxation factors — and the membranes with
    ``record_v``. Pointwise over neurons, so ``torch.compile`` makes it one loop;
    :mod:`.lif_kernel` is the same loop written for the CPU with the steps innermost."""
    s = TrainState(v, ref, ref)
    zs, xs, decays, d_afters, vs = [], [], [], [], []
    for t in range(current.shape[0]):
        z, v_end, v_after, fired, decay, d_after, ref_new, _ = _lean_parts(current[t], s, p, dt, spike, False)
        zs.append(z)
        xs.append(v_end - float(p.v_th))
        decays.append(decay)
        d_afters.append(d_after)
        s = TrainState(torch.where(fired, v_after, v_end), ref_new, s.w)
        if record_v:
            vs.append(s.v)
    return (torch.stack(zs), torch.stack(xs), torch.stack(decays), torch.stack(d_afters),
            torch.stack(vs) if record_v else None)


def _layer_backward(gz: torch.Tensor, x: torch.Tensor, decay: torch.Tensor, d_after: torch.Tensor, r: float,
                    spike: "SpikeFunction") -> torch.Tensor:
    """The chain rule of :func:`lif_train_step` backwards through all steps (:class:`_FusedLIF`);
    ``x = v_end - v_th`` gives the surrogate slope and whether the neuron fired (``x >= 0``,
    the Heaviside of :mod:`.surrogate`)."""
    slope = spike.derivative(x)
    fired = x >= 0
    gv = torch.zeros_like(gz[0])
    gis = []
    for t in range(gz.shape[0] - 1, -1, -1):
        g_end = gz[t] * slope[t] + gv * ~fired[t]
        gis.append(r * (g_end * (1 - decay[t]) + gv * fired[t] * (1 - d_after[t])))
        gv = g_end * decay[t]
    return torch.stack(gis[::-1])


class _FusedLIF(torch.autograd.Function):
    """A feed-forward layer of lean, non-adapting LIF neurons over all ``T`` steps as one
    autograd node (what :meth:`LIFNeurons.compile` compiles): the forward keeps, per step, the
    spike function's argument ``x = v_end - v_th`` (which gives the surrogate derivative ``s'``
    and the spike mask) and the two relaxation factors; the backward is autograd's chain rule
    through :func:`lif_train_step`, by hand:

        dL/dv_end(t) = dL/dz(t) s'(t) + dL/dv(t) [not fired]
        dL/di(t)     = r [dL/dv_end(t) (1 - decay(t)) + dL/dv(t) [fired] (1 - d_after(t))]
        dL/dv(t-1)   = dL/dv_end(t) decay(t)

    (``v(t)``: the membrane after step ``t``; the reset is not differentiated, as in the step).
    With ``record_v`` the membranes come back too, without a gradient (what the count readout's
    tie-break reads). A test checks spikes and input gradients against autograd through the step."""

    @staticmethod
    def forward(ctx, current: torch.Tensor, v0: torch.Tensor, ref0: torch.Tensor, p: LIFParameters, dt: float,
                spike: "SpikeFunction", fns: tuple, record_v: bool = False):  # type: ignore[override]
        fwd, bwd = fns
        z, x, decay, d_after, v = fwd(current, v0, ref0, p, dt, spike, record_v)
        ctx.save_for_backward(x, decay, d_after)
        ctx.r, ctx.bwd, ctx.spike = float(p.r_in), bwd, spike
        if v is None:
            return z
        ctx.mark_non_differentiable(v)
        return z, v

    @staticmethod
    def backward(ctx, gz: torch.Tensor, *_gv):  # type: ignore[override]
        gi = ctx.bwd(gz.contiguous(), *ctx.saved_tensors, ctx.r, ctx.spike)
        return gi, None, None, None, None, None, None, None


class LIFNeurons(nn.Module):
    """A layer of ``n`` neurons of one fitted surrogate (``LIFParameters``, SI) stepped with
    ``dt`` seconds; ``forward(current (T, B, n) A) -> spikes (T, B, n)``, and the membrane
    ``(T, B, n)`` in V when ``record_v``. ``recurrent``: a synapse module applied to the
    previous step's spikes and added to the input current (a recurrent layer).

    ``spike``: the surrogate (:class:`~circuitsnn.learn.surrogate.SpikeFunction`).
    ``threshold=False`` makes a non-spiking leaky integrator of the same RC (an output
    layer read by its membrane)."""

    def __init__(self, n: int, p: LIFParameters, dt: float, spike: SpikeFunction | None = None, *,
                 recurrent: nn.Module | None = None, threshold: bool = True, source: str = "") -> None:
        super().__init__()
        if not dt > 0:
            raise ValidationError(f"the time step dt must be > 0 s, got {dt!r}.")
        self.n = int(n)
        self.p = p
        self.dt = float(dt)
        self.spike = spike or SpikeFunction()
        self.recurrent = recurrent
        self.threshold = threshold
        self.source = source
        self.lean = lean_applies(p)
        self.adapt = float(p.b) != 0.0
        self._step = lif_train_step
        #: (forward, backward) of a feed-forward layer as one node (:class:`_FusedLIF`); None:
        #: autograd through every step
        self._fused: tuple | None = None
        self._p_floats = LIFParameters(*(float(x) for x in p))
        if not self.lean and self.spike.shape != "fast_sigmoid":
            raise ValidationError(
                f"this neuron surrogate (exponential threshold or active reset) trains with the fast_sigmoid "
                f"surrogate only, not {self.spike.shape!r}.", hint="Set [surrogate] shape = \"fast_sigmoid\".")

    def compile(self, **kw) -> "LIFNeurons":
        """Run the layer through ``torch.compile``: a feed-forward, non-adapting lean layer as
        one autograd node (:class:`_FusedLIF`) whose backward loop over the steps compiles into
        one pointwise loop over the neurons, and whose forward runs :mod:`.lif_kernel` (all
        steps innermost, on float32 CPU tensors; elsewhere the compiled torch forward); other
        lean layers compile their step. The first call compiles (up to a minute or two on a
        CPU), and a second batch size once more, for any batch size after (torch's automatic
        dynamic shapes). Spikes equal the uncompiled layer's (tests run both); membranes agree to
        float32 rounding (an ``exp`` may round one ulp apart)."""
        if not (self.lean and self.threshold):  # the leaky integrator has no step to compile
            return self
        if not self.adapt and self.recurrent is None:
            from .lif_kernel import KernelForward

            self._fused = (KernelForward(torch.compile(_layer_forward, **kw)), torch.compile(_layer_backward, **kw))
        else:
            self._step = torch.compile(lif_train_step, dynamic=False, **kw)
        return self

    def initial(self, batch: int, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> TrainState:
        v = torch.full((batch, self.n), float(self.p.v_rest), dtype=dtype, device=device)
        z = torch.zeros((batch, self.n), dtype=dtype, device=device)
        return TrainState(v, z, z.clone())

    def forward(self, current: torch.Tensor, *, record_v: bool = False):
        T, B = current.shape[0], current.shape[1]
        s = self.initial(B, current.dtype, current.device)
        steps = current.unbind(0)  # one backward node for all steps (indexing fills a full-size zero per step)
        zs, vs = [], []
        z = torch.zeros_like(s.v)
        if not self.threshold:  # leaky integrator: exact relaxation, no spikes
            decay = math.exp(-self.dt / float(self.p.tau_m))
            v = s.v
            for t in range(T):
                i = steps[t] + (self.recurrent(z) if self.recurrent is not None else 0.0)
                v_inf = float(self.p.v_rest) + float(self.p.r_in) * i
                v = v_inf + (v - v_inf) * decay
                vs.append(v)
            v_all = torch.stack(vs)
            return torch.zeros_like(v_all), v_all
        if self._fused is not None:  # set only for feed-forward, non-adapting layers
            if not record_v:
                return _FusedLIF.apply(current, s.v, s.ref, self._p_floats, self.dt, self.spike, self._fused), None
            # the membranes carry no gradient here: the output layer's count readout reads them
            # for its tie-break only
            return _FusedLIF.apply(current, s.v, s.ref, self._p_floats, self.dt, self.spike, self._fused, True)
        if self.lean:
            for t in range(T):
                i = steps[t] if self.recurrent is None else steps[t] + self.recurrent(z)
                z, s = self._step(i, s, self.p, self.dt, self.spike, adapt=self.adapt)
                zs.append(z)
                if record_v:
                    vs.append(s.v)
        else:
            p = self.p._replace(alpha=self.spike.scale)
            st = LIFState(s.v, s.ref, s.w, torch.zeros_like(s.v))
            for t in range(T):
                i = steps[t] if self.recurrent is None else steps[t] + self.recurrent(z)
                z, st = lif_step(i, st, p, self.dt)
                zs.append(z)
                if record_v:
                    vs.append(st.v)
        return torch.stack(zs), (torch.stack(vs) if record_v else None)

    def extra_repr(self) -> str:
        p = self.p
        return (f"n={self.n}, tau_m={float(p.tau_m):.3g} s, r_in={float(p.r_in):.3g} Ohm, v_th={float(p.v_th):.3g} V, "
                f"dt={self.dt:g} s, {self.spike!r}" + ("" if self.threshold else ", leaky integrator"))
