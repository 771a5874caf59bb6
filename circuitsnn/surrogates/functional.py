"""Pure, differentiable step functions of the fitted surrogates (norse style).

Every model is written as ``step(x, state, p, dt) -> (out, state)``: ``x`` the input over one
time step of length ``dt`` (held constant during the step), ``state`` and ``p`` NamedTuples of
tensors (or floats) that broadcast against ``x``. Nothing here knows SPICE; the parameters come
from :mod:`circuitsnn.surrogates.fit` and are stored in ``models/<name>.json``.

Spike threshold and surrogate gradient
--------------------------------------
The forward pass of a spike is the Heaviside step ``z = H(v - v_th)``. Its backward pass uses the
derivative of the *fast sigmoid* (SuperSpike, Zenke & Ganguli, Neural Comput. 2018; Zenke &
Vogels, Neural Comput. 2021)::

    sigma(x) = 1/2 + 1/2 * alpha*x / (1 + alpha*|x|)        (the soft spike, 0..1)
    dz/dv   ~= sigma'(x) = (alpha/2) / (1 + alpha*|x|)**2    x = v - v_th  (V), alpha in 1/V

``alpha`` is the *scale*: the gradient falls to 1/4 of its peak ``alpha/2`` at
``|v - v_th| = 1/alpha`` and integrates to 1 over ``v``, so the surrogate has the same total
"mass" as the true step. ``alpha = 100 /V`` (the default) spreads it over about +-10 mV. With
``soft=True`` the forward pass itself is ``sigma``: every function here is then smooth, which is
what ``torch.autograd.gradcheck`` checks, and the hard spike's backward equals the soft spike's
exact derivative.

Leaky integrate-and-fire (with optional adaptation)
---------------------------------------------------
The effective model of every neuron circuit (RC LIF, Axon-Hillock, adaptive)::

    tau_m dv/dt = -(v - v_rest) + r_in * (i - w)         while not refractory
    tau_w dw/dt = -w,   w += b at each spike              (adaptation current, A; b = 0: none)
    v >= v_th  ->  spike; v = v_reset and held for t_ref (absolute refractory period)
    output pulse leaves the circuit t_delay after the threshold crossing

Within one step the input ``i`` is constant, so ``v`` is integrated exactly,
``v(t) = v_inf + (v0 - v_inf) exp(-t / tau_m)`` with ``v_inf = v_rest + r_in (i - w)``, and the
threshold crossing time is solved in closed form, ``t* = tau_m ln((v_inf - v0)/(v_inf - v_th))``.
Spike times therefore do not snap to the time grid, a refractory period ends inside a step, and
``dt`` may be much coarser than a forward-Euler step would allow. Assumptions: at most one spike
per step (``dt`` below the shortest inter-spike interval) and ``w`` constant within a step
(``dt << tau_w``). Reference: Gerstner, Kistler, Naud & Paninski, *Neuronal Dynamics* (2014),
ch. 1 (LIF, its f-I curve) and ch. 6 (adaptation); exact integration as in Rotter & Diesmann,
Biol. Cybern. 1999.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Union

import torch

Number = Union[float, torch.Tensor]

#: default surrogate-gradient scale (1/V): gradient spread over about +-10 mV around threshold
DEFAULT_ALPHA = 100.0


# -- spike functions -------------------------------------------------------------------------


class _SuperSpike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid derivative backward (see the module docstring)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x, alpha)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        x, alpha = ctx.saved_tensors
        g = grad * (alpha / 2) / (1 + alpha * x.abs()) ** 2
        galpha = None
        if ctx.needs_input_grad[1]:
            # the step's value does not depend on alpha: its true derivative is zero
            galpha = torch.zeros_like(alpha)
        return g, galpha


def soft_spike(x: torch.Tensor, alpha: Number = DEFAULT_ALPHA) -> torch.Tensor:
    """The fast sigmoid ``1/2 + 1/2 alpha x / (1 + alpha |x|)``: a smooth spike in 0..1."""
    ax = alpha * x
    return 0.5 + 0.5 * ax / (1 + ax.abs())


def superspike(x: torch.Tensor, alpha: Number = DEFAULT_ALPHA) -> torch.Tensor:
    """Heaviside ``x >= 0`` with the fast-sigmoid surrogate gradient of scale ``alpha`` (1/V)."""
    a = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
    return _SuperSpike.apply(x, a)


def spike_fn(soft: bool) -> Callable[[torch.Tensor, Number], torch.Tensor]:
    return soft_spike if soft else superspike


# -- LIF -------------------------------------------------------------------------------------


class LIFParameters(NamedTuple):
    """Effective LIF parameters of a neuron circuit (base SI units).

    Fields: ``tau_m`` membrane time constant (s); ``r_in`` input resistance (Ohm); ``v_rest``
    resting potential (V); ``v_th`` threshold (V); ``v_reset`` reset potential (V); ``t_ref``
    absolute refractory period (s); ``t_delay`` threshold-to-output-pulse delay (s, shifts
    reported spike times only); ``tau_w`` adaptation time constant (s); ``b`` adaptation current
    step per spike (A, 0 = no adaptation); ``alpha`` surrogate-gradient scale (1/V).
    """

    tau_m: Number = 1e-3
    r_in: Number = 1e6
    v_rest: Number = 0.0
    v_th: Number = 0.5
    v_reset: Number = 0.0
    t_ref: Number = 1e-4
    t_delay: Number = 0.0
    tau_w: Number = 1e-1
    b: Number = 0.0
    alpha: Number = DEFAULT_ALPHA

    @property
    def c_m(self) -> Number:
        """Membrane capacitance ``tau_m / r_in`` (F)."""
        return self.tau_m / self.r_in

    @property
    def rheobase(self) -> Number:
        """Smallest constant input current that ever fires, ``(v_th - v_rest) / r_in`` (A)."""
        return (self.v_th - self.v_rest) / self.r_in


class LIFState(NamedTuple):
    """``v`` membrane (V); ``ref`` refractory time left (s); ``w`` adaptation current (A);
    ``t_spike`` time of the spike inside the last step, from its start (s; valid where the
    step's output is 1)."""

    v: torch.Tensor
    ref: torch.Tensor
    w: torch.Tensor
    t_spike: torch.Tensor


def lif_initial_state(shape, p: LIFParameters, dtype=torch.float64, device=None) -> LIFState:
    """At rest: ``v = v_rest``, not refractory, no adaptation."""
    v = torch.zeros(shape, dtype=dtype, device=device) + torch.as_tensor(p.v_rest, dtype=dtype)
    z = torch.zeros(shape, dtype=dtype, device=device)
    return LIFState(v=v, ref=z, w=z.clone(), t_spike=z.clone())


def _relax(v0: torch.Tensor, v_inf: torch.Tensor, t: torch.Tensor, tau: Number) -> torch.Tensor:
    """Exact solution of ``tau dv/dt = v_inf - v`` after time ``t``."""
    return v_inf + (v0 - v_inf) * torch.exp(-t / tau)


def lif_step(
    i: torch.Tensor,
    state: LIFState,
    p: LIFParameters,
    dt: float,
    *,
    soft: bool = False,
) -> tuple[torch.Tensor, LIFState]:
    """Advance the LIF (see the module docstring) by ``dt`` seconds with input current ``i`` (A).

    Returns ``(z, state)``: ``z`` is 1 where the neuron spiked during the step (the soft spike
    in 0..1 with ``soft=True``) and ``state.t_spike`` says when, from the start of the step.
    Differentiable in ``i``, the state and every parameter.
    """
    fire = spike_fn(soft)
    dt_t = torch.as_tensor(dt, dtype=i.dtype, device=i.device)
    eps = torch.finfo(i.dtype).tiny ** 0.5
    # 1. the part of the step still refractory (v is held at v_reset there)
    ref0 = torch.clamp(state.ref, min=0.0)
    busy = torch.minimum(ref0, dt_t)
    free = dt_t - busy
    # 2. exact relaxation towards v_inf over the free part
    v_inf = p.v_rest + p.r_in * (i - state.w)
    v_end = _relax(state.v, v_inf, free, p.tau_m)
    # 3. threshold crossing: spike where v_end >= v_th, at t* after the free part began
    z = fire(v_end - p.v_th, p.alpha)
    num = torch.clamp(v_inf - state.v, min=eps)
    den = torch.clamp(v_inf - p.v_th, min=eps)
    t_cross = torch.minimum(torch.clamp(p.tau_m * torch.log(num / den), min=0.0), free)
    # 4. after a spike: reset, refractory for t_ref, then relax again for what is left
    left = free - t_cross
    ref_after = p.t_ref - left
    v_after = _relax(torch.as_tensor(p.v_reset, dtype=i.dtype) + 0 * v_end, v_inf,
                     torch.clamp(-ref_after, min=0.0), p.tau_m)
    v_new = z * v_after + (1 - z) * v_end
    ref_new = z * torch.clamp(ref_after, min=0.0) + (1 - z) * (ref0 - busy)
    decay_w = torch.exp(-dt_t / p.tau_w)
    w_new = state.w * decay_w + z * p.b * torch.exp(-left / p.tau_w)
    return z, LIFState(v=v_new, ref=ref_new, w=w_new, t_spike=busy + t_cross)


def lif_run(
    current: torch.Tensor,
    p: LIFParameters,
    dt: float,
    *,
    state: LIFState | None = None,
    soft: bool = False,
    record_v: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, LIFState]:
    """Run :func:`lif_step` over ``current`` of shape ``(T, ...)`` (A, one value per step).

    Returns ``(z, t_spike, v, state)``: spikes ``(T, ...)``, spike times from the start of the
    run including ``t_delay`` (s, ``nan`` where no spike; only for hard spikes), the membrane
    after each step when ``record_v`` (else None), and the final state.
    """
    if state is None:
        state = lif_initial_state(current.shape[1:], p, dtype=current.dtype, device=current.device)
    zs, ts, vs = [], [], []
    for k in range(current.shape[0]):
        z, state = lif_step(current[k], state, p, dt, soft=soft)
        zs.append(z)
        ts.append(state.t_spike + k * dt)
        if record_v:
            vs.append(state.v)
    z_all = torch.stack(zs)
    t_all = torch.stack(ts) + p.t_delay
    t_all = torch.where(z_all > 0.5, t_all, torch.full_like(t_all, float("nan")))
    return z_all, t_all, (torch.stack(vs) if record_v else None), state


# -- analytic f-I of the LIF ----------------------------------------------------------------


def lif_rate(i: torch.Tensor, p: LIFParameters) -> torch.Tensor:
    """Steady firing rate (Hz) of the LIF without adaptation for constant current ``i`` (A)::

        f = 1 / (t_ref + tau_m ln((v_inf - v_reset) / (v_inf - v_th))),  v_inf = v_rest + r_in i

    for ``v_inf > v_th``, else 0 (Gerstner et al. 2014, eq. 1.14 with refractoriness).
    """
    v_inf = p.v_rest + p.r_in * i
    ok = v_inf > p.v_th
    safe = torch.where(ok, v_inf, torch.as_tensor(p.v_th, dtype=i.dtype) + 1.0)
    isi = p.t_ref + p.tau_m * torch.log((safe - p.v_reset) / (safe - p.v_th))
    return torch.where(ok, 1.0 / isi, torch.zeros_like(isi))


def lif_latency(i: torch.Tensor, p: LIFParameters) -> torch.Tensor:
    """Time (s) from rest to the first output spike for a current step ``i`` (A) at t = 0:
    ``t_delay + tau_m ln((v_inf - v_rest)/(v_inf - v_th))``; ``inf`` below the rheobase."""
    v_inf = p.v_rest + p.r_in * i
    ok = v_inf > p.v_th
    safe = torch.where(ok, v_inf, torch.as_tensor(p.v_th, dtype=i.dtype) + 1.0)
    t = p.t_delay + p.tau_m * torch.log((safe - p.v_rest) / (safe - p.v_th))
    return torch.where(ok, t, torch.full_like(t, float("inf")))
