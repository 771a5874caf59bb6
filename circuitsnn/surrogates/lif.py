"""The effective LIF of every neuron circuit, as a surrogate: pure steps, runs, the compiled
inference loop and thin modules.

Leaky integrate-and-fire (with optional adaptation)
---------------------------------------------------
The effective model of every neuron circuit (RC LIF, Axon-Hillock, adaptive)::

    tau_m dv/dt = -(v - v_rest) + r_in * (i - w)         while not refractory
    tau_w dw/dt = -w,   w += b at each spike              (adaptation current, A; b = 0: none)
    v >= v_th  ->  spike; v = v_reset and held for the refractory period  (delta_t = 0; below)
    refractory period: t_ref / (1 - i / i_ref)   (i_ref = inf: a fixed t_ref)
    output pulse leaves the circuit t_delay after the threshold crossing

The input-dependent refractory period models an *active* reset, as in the Axon-Hillock
neuron (Mead 1989), where a reset current ``I_pw`` discharges the membrane against the input
during the output pulse, so the pulse lasts ``Q / (I_pw - i)``: ``i_ref = I_pw``.

Within one step the input ``i`` is constant, so ``v`` is integrated exactly,
``v(t) = v_inf + (v0 - v_inf) exp(-t / tau_m)`` with ``v_inf = v_rest + r_in (i - w)``, and the
threshold crossing time is solved in closed form, ``t* = tau_m ln((v_inf - v0)/(v_inf - v_th))``.
Spike times therefore do not snap to the time grid, a refractory period ends inside a step, and
``dt`` may be much coarser than a forward-Euler step would allow. Assumptions: at most one spike
per step (``dt`` below the shortest inter-spike interval) and ``w`` constant within a step
(taken at the step's middle: an error of order ``(dt / tau_w)^2``). Reference: Gerstner, Kistler, Naud & Paninski, *Neuronal
Dynamics* (2014), ch. 1 (LIF, its f-I curve) and ch. 6 (adaptation); exact integration as in Rotter & Diesmann,
Biol. Cybern. 1999.

Exponential (soft) threshold
----------------------------
With ``delta_t > 0`` the hard threshold becomes the exponential integrate-and-fire
(Fourcaud-Trocme, Hansel, van Vreeswijk & Brunel, J. Neurosci. 23:11628, 2003; Gerstner et al.
2014, ch. 5.2)::

    tau_m dv/dt = -(v - v_rest) + delta_t exp((v - v_th)/delta_t) + r_in (i - w)

and the spike is the divergence of ``v``; reset and refractoriness are as above. It models a
threshold that is soft on the scale ``delta_t``: the transistor-level Axon-Hillock's inverter
switches through finite gain and positive feedback, so a membrane that approaches it slowly
(small or falling input) fires later than a fast one, relative to a hard threshold. With
``u = exp(-(v - v_th)/delta_t)`` and the linear part's mean slope over the step held fixed, the
equation is linear in ``u`` and is integrated in closed form (:func:`_eif_free`): exact without
leak, error of order ``dt / tau_m`` near threshold with leak. ``v_th`` is then the centre of the
exponential, not the voltage where the spike is registered.

The law these closed forms approximate is declared once in :mod:`circuitsnn.physics.lif` and
:mod:`circuitsnn.physics.adaptive_lif` (:func:`law_values` maps these parameters onto it); the
steady-state f-I curve and first-spike latency are the law's closed forms
(:func:`circuitsnn.physics.lif.isi`, re-exported here as :func:`lif_rate` and :func:`lif_latency`).
:func:`lif_step` (exact relaxation, differentiable) and :func:`lif_spike_times_fast` (the same
equations compiled for inference) are tested against the law's own integration.
:class:`LIFCell` and :class:`LIF` hold the parameters in an ``nn.Module``; the SI interface of a
fitted neuron (spikes as voltage pulses) is :mod:`circuitsnn.surrogates.neuron`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

import torch

from ..errors import ValidationError
from ..physics import lif as _law
from .holder import ParamHolder
from .spikes import DEFAULT_ALPHA, Number, spike_fn


class LIFParameters(NamedTuple):
    """Effective LIF parameters of a neuron circuit (base SI units).

    Fields: ``tau_m`` membrane time constant (s); ``r_in`` input resistance (Ohm); ``v_rest``
    resting potential (V); ``v_th`` threshold (V); ``v_reset`` reset potential (V); ``t_ref``
    absolute refractory period (s); ``t_delay`` threshold-to-output-pulse delay (s, shifts
    reported spike times only); ``tau_w`` adaptation time constant (s); ``b`` adaptation current
    step per spike (A, 0 = no adaptation); ``i_ref`` input current at which the refractory
    period becomes infinite (A; ``inf``: a fixed ``t_ref``); ``alpha`` surrogate-gradient
    scale (1/V); ``delta_t`` slope factor of the exponential (soft) threshold (V; 0: the hard
    threshold of the LIF; > 0: the exponential integrate-and-fire, see :func:`lif_step`).
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
    i_ref: Number = math.inf
    alpha: Number = DEFAULT_ALPHA
    delta_t: Number = 0.0

    @property
    def c_m(self) -> Number:
        """Membrane capacitance ``tau_m / r_in`` (F)."""
        return self.tau_m / self.r_in

    @property
    def rheobase(self) -> Number:
        """Smallest constant input current that ever fires, ``(v_th - v_rest - delta_t) / r_in``
        (A; with ``delta_t = 0`` the LIF's, else the exponential model's saddle-node)."""
        return (self.v_th - self.v_rest - self.delta_t) / self.r_in


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
    """Exact solution of ``tau dv/dt = v_inf - v`` after time ``t``, written with ``expm1`` so that
    a neuron without measurable leak (``tau`` huge, ``v_inf`` far away) integrates accurately."""
    return v0 - (v_inf - v0) * torch.expm1(-t / tau)


def lif_step(
    i: torch.Tensor,
    state: LIFState,
    p: LIFParameters,
    dt: Number,
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
    # features that are off (plain-number b = 0, i_ref = inf) are skipped: same result, fewer ops
    adapt = not (isinstance(p.b, (int, float)) and p.b == 0)
    active = not (isinstance(p.i_ref, (int, float)) and math.isinf(p.i_ref))
    # refractory clock rate: 1 for a fixed t_ref; 1 - i/i_ref for an active reset
    rho = torch.clamp(1 - i / p.i_ref, min=1e-6) if active else None
    # 1. the part of the step still refractory (v is held at v_reset there)
    ref0 = torch.clamp(state.ref, min=0.0)
    busy = torch.minimum(ref0 / rho if active else ref0, dt_t)
    free = dt_t - busy
    # 2. exact relaxation towards v_inf over the free part; the adaptation current is taken
    #    at the middle of the free part (second-order accurate in dt / tau_w)
    if adapt:
        w_mid = state.w * torch.exp(-(busy + 0.5 * free) / p.tau_w)
        v_inf = p.v_rest + p.r_in * (i - w_mid)
    else:
        v_inf = p.v_rest + p.r_in * (i - state.w)
    eif = _has_eif(p.delta_t)
    if eif:
        z, v_end, t_cross = _eif_free(state.v, v_inf, free, p, fire)
    else:
        v_end = _relax(state.v, v_inf, free, p.tau_m)
        # 3. threshold crossing: spike where v_end >= v_th, at
        #    t* = tau ln((v_inf - v0)/(v_inf - v_th)) = tau log1p((v_th - v0)/(v_inf - v_th))
        z = fire(v_end - p.v_th, p.alpha)
        gap = torch.clamp(p.v_th - state.v, min=0.0)
        den = torch.clamp(v_inf - p.v_th, min=eps)
        t_cross = torch.minimum(p.tau_m * torch.log1p(gap / den), free)
    # 4. after a spike: reset, refractory for t_ref (clock time), then relax for what is left
    left = free - t_cross
    if active:
        ref_after = p.t_ref - rho * left
        released = torch.clamp(-ref_after / rho, min=0.0)
        ref_rest = torch.clamp(ref0 - rho * busy, min=0.0)
    else:
        ref_after = p.t_ref - left
        released = torch.clamp(-ref_after, min=0.0)
        ref_rest = ref0 - busy
    v_reset = torch.full_like(v_end, 0.0) + p.v_reset
    if eif:
        v_after = _eif_free(v_reset, v_inf, released, p, fire)[1]
    else:
        v_after = _relax(v_reset, v_inf, released, p.tau_m)
    v_new = z * v_after + (1 - z) * v_end
    ref_new = z * torch.clamp(ref_after, min=0.0) + (1 - z) * ref_rest
    if adapt:
        w_new = state.w * torch.exp(-dt_t / p.tau_w) + z * p.b * torch.exp(-left / p.tau_w)
    else:
        w_new = state.w
    return z, LIFState(v=v_new, ref=ref_new, w=w_new, t_spike=busy + t_cross)


def _has_eif(delta_t: Number) -> bool:
    """Whether the exponential threshold is on (``delta_t > 0``; it must not mix 0 and > 0)."""
    if isinstance(delta_t, (int, float)):
        return delta_t > 0
    return bool(torch.as_tensor(delta_t).detach().max() > 0)


def _log_expm1_ratio(x: torch.Tensor) -> torch.Tensor:
    """``ln(expm1(x)/x)`` without overflow for any real ``x`` (0 at ``x = 0``)."""
    ax = x.abs()
    small = ax < 1e-6
    ax_s = torch.where(small, torch.ones_like(ax), ax)
    neg = torch.log(-torch.expm1(-ax_s)) - torch.log(ax_s)  # ln(expm1(-ax)/(-ax)), <= 0
    neg = torch.where(small, -0.5 * ax, neg)
    return neg + torch.clamp(x, min=0.0)  # expm1(x)/x = e^x expm1(-x)/(-x)


def _eif_free(v0: torch.Tensor, v_inf: torch.Tensor, s: torch.Tensor, p: "LIFParameters", fire):
    """Exponential integrate-and-fire over a free (not refractory) time ``s`` (module docstring).

    ``dv/dt = b + (delta_t/tau_m) exp((v - v_th)/delta_t)`` with the linear part replaced by its
    mean slope over the step, ``b = (v_lif(s) - v0)/s`` (``v_lif`` the exact LIF relaxation): exact
    without leak; with leak the end value is exact while the exponential term is negligible, and
    the error near threshold is of order ``s / tau_m``. With ``u = exp(-(v - v_th)/delta_t)`` the equation is linear,
    ``delta_t du/dt = -(b u + a)`` with ``a = delta_t / tau_m``, so::

        v(s) = v0 + b s - delta_t ln(1 - r),  r = (a s/delta_t) psi(b s/delta_t) e^((v0 - v_th)/delta_t)

    (``psi(x) = expm1(x)/x``); ``v`` diverges (the spike) when ``r`` reaches 1, at
    ``t* = (delta_t/b) ln(1 + (b/a) e^((v_th - v0)/delta_t))``. Returns ``(z, v_end, t_cross)``,
    ``z`` the spike of ``delta_t ln r`` (V, >= 0 when it fires).
    """
    d = p.delta_t
    a = d / p.tau_m
    tiny = torch.finfo(v0.dtype).tiny
    s_safe = torch.clamp(s, min=tiny)
    b = (_relax(v0, v_inf, s_safe, p.tau_m) - v0) / s_safe
    x = b * s_safe / d
    log_r = torch.log(a * s_safe / d) + _log_expm1_ratio(x) + (v0 - p.v_th) / d
    z = fire(d * log_r, p.alpha)
    r = torch.exp(torch.clamp(log_r, max=-1e-12))
    v_end = v0 + b * s - d * torch.log1p(-r)
    # crossing time: b > 0 in log form (softplus), b <= 0 through log1p(q)/q, q = (b/a) E > -1
    up = b > 0
    b_up = torch.where(up, b, torch.ones_like(b))
    t_up = d / b_up * torch.nn.functional.softplus(torch.log(b_up / a) + (p.v_th - v0) / d)
    big_e = torch.exp(torch.clamp((p.v_th - v0) / d, max=600.0))
    q = torch.where(up, torch.zeros_like(b), b / a * big_e)
    q = torch.clamp(q, min=-1 + 1e-12)
    q_s = torch.where(q.abs() < 1e-8, torch.ones_like(q), q)
    lam = torch.where(q.abs() < 1e-8, 1 - 0.5 * q, torch.log1p(q_s) / q_s)
    t_dn = d * big_e / a * lam
    t_cross = torch.minimum(torch.where(up, t_up, t_dn), s)
    return z, v_end, t_cross


def lif_run(
    current: torch.Tensor,
    p: LIFParameters,
    dt: float | Sequence[float] | torch.Tensor,
    *,
    state: LIFState | None = None,
    soft: bool = False,
    record_v: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, LIFState]:
    """Run :func:`lif_step` over ``current`` of shape ``(T, ...)`` (A, one value per step).

    ``dt`` is one step length (s) or one per step (an event grid: steps may differ). Returns
    ``(z, t_spike, v, state)``: spikes ``(T, ...)``, spike times from the start of the run
    including ``t_delay`` (s, ``nan`` where no spike; hard spikes), the membrane after each
    step when ``record_v`` (else None), and the final state.
    """
    if state is None:
        state = lif_initial_state(current.shape[1:], p, dtype=current.dtype, device=current.device)
    n = current.shape[0]
    if isinstance(dt, (int, float)):
        steps = [float(dt)] * n
    else:
        steps = [float(x) for x in (dt.tolist() if isinstance(dt, torch.Tensor) else dt)]
        if len(steps) != n:
            raise ValueError(f"lif_run: {len(steps)} step lengths for {n} input steps.")
    zs, ts, vs = [], [], []
    t0 = 0.0
    for k in range(n):
        z, state = lif_step(current[k], state, p, steps[k], soft=soft)
        zs.append(z)
        ts.append(state.t_spike + t0)
        t0 += steps[k]
        if record_v:
            vs.append(state.v)
    z_all = torch.stack(zs)
    t_all = torch.stack(ts) + p.t_delay
    t_all = torch.where(z_all > 0.5, t_all, torch.full_like(t_all, float("nan")))
    return z_all, t_all, (torch.stack(vs) if record_v else None), state


# -- the law's closed forms under constant input ------------------------------------------------


def lif_rate(i: torch.Tensor, p: LIFParameters) -> torch.Tensor:
    """Steady firing rate (Hz) of the LIF without adaptation for constant current ``i`` (A)::

        f = 1 / (t_ref / (1 - i/i_ref) + tau_m ln((v_inf - v_reset) / (v_inf - v_th)))

    with ``v_inf = v_rest + r_in i``, for ``v_inf > v_th`` (and ``i < i_ref``), else 0
    (Gerstner et al. 2014, eq. 1.14 with refractoriness): :func:`circuitsnn.physics.lif.rate`.
    Hard threshold only: ignores ``delta_t``."""
    return _law.rate(i, p)


def lif_latency(i: torch.Tensor, p: LIFParameters) -> torch.Tensor:
    """Time (s) from rest to the first output spike for a current step ``i`` (A) at t = 0:
    ``t_delay + tau_m ln((v_inf - v_rest)/(v_inf - v_th))``; ``inf`` below the rheobase
    (:func:`circuitsnn.physics.lif.latency`). Hard threshold only: ignores ``delta_t``."""
    return _law.latency(i, p)


def law_values(p: LIFParameters) -> dict[str, float]:
    """The parameters of the LIF law (:data:`circuitsnn.physics.adaptive_lif.LAW`, whose
    adaptation current ``b a`` is this ``w``) that these effective parameters stand for:
    ``c = tau_m / r_in``, ``r = r_in``, the levels, ``t_ref``, ``b`` and ``tau_w``. For testing
    the closed forms against the law (the law knows no ``t_delay``, ``i_ref`` or ``delta_t``)."""
    v = {k: float(x) for k, x in p._asdict().items()}
    return {"c": v["tau_m"] / v["r_in"], "r": v["r_in"], "v_rest": v["v_rest"], "v_th": v["v_th"],
            "v_reset": v["v_reset"], "t_ref": v["t_ref"], "b": v["b"], "tau_w": v["tau_w"]}


# -- fast inference path -------------------------------------------------------------------------


def _lif_run_loop(cur: torch.Tensor, dts: torch.Tensor, tau_m: float, r_in: float, v_rest: float, v_th: float,
                    v_reset: float, t_ref: float, tau_w: float, b: float, i_ref: float) -> torch.Tensor:
    n = cur.shape[0]
    v = torch.zeros_like(cur[0]) + v_rest
    ref = torch.zeros_like(v)
    w = torch.zeros_like(v)
    out = torch.full_like(cur, float("nan"))
    t0 = 0.0
    tiny = 1e-150
    for k in range(n):
        dt = float(dts[k])
        i = cur[k]
        if i_ref < 1e300:
            rho = torch.clamp(1 - i / i_ref, min=1e-6)
        else:
            rho = torch.ones_like(i)
        busy = torch.clamp(ref / rho, max=dt)
        free = dt - busy
        w_mid = w * torch.exp(-(busy + 0.5 * free) / tau_w)
        v_inf = v_rest + r_in * (i - w_mid)
        v_end = v - (v_inf - v) * torch.expm1(-free / tau_m)
        z = v_end >= v_th
        t_cross = torch.minimum(tau_m * torch.log1p(torch.clamp(v_th - v, min=0.0) / torch.clamp(v_inf - v_th, min=tiny)), free)
        left = free - t_cross
        ref_after = t_ref - rho * left
        released = torch.clamp(-ref_after / rho, min=0.0)
        v_after = v_reset - (v_inf - v_reset) * torch.expm1(-released / tau_m)
        v = torch.where(z, v_after, v_end)
        ref = torch.where(z, torch.clamp(ref_after, min=0.0), torch.clamp(ref - rho * busy, min=0.0))
        if b != 0.0:
            w = w * torch.exp(torch.full_like(w, -dt / tau_w)) + torch.where(z, b * torch.exp(-left / tau_w), torch.zeros_like(w))
        out[k] = torch.where(z, busy + t_cross + t0, out[k])
        t0 += dt
    return out


_COMPILED: list = []


def _compiled_loop():
    """The TorchScript-compiled loop, compiled on first use (TorchScript is deprecated in recent
    torch: when it is unavailable the plain Python loop runs, slower but identical)."""
    if not _COMPILED:
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                _COMPILED.append(torch.jit.script(_lif_run_loop))
        except Exception:  # pragma: no cover - depends on the torch build
            _COMPILED.append(_lif_run_loop)
    return _COMPILED[0]


def lif_spike_times_fast(current: torch.Tensor, p: LIFParameters, dt: float | Sequence[float] | torch.Tensor) -> torch.Tensor:
    """Spike times (s, ``nan`` where none) of :func:`lif_run` for inference only: the same
    equations as :func:`lif_step` (hard spikes, plain-number parameters), compiled with
    TorchScript and with ``torch.where`` blends, about 3-4x faster; no gradients. Used by the
    benchmark and the held-out validation; a test keeps it equal to :func:`lif_run`. With the
    exponential threshold (``delta_t > 0``) it runs :func:`lif_run` itself (not compiled)."""
    if _has_eif(p.delta_t):
        with torch.no_grad():
            return lif_run(current, p, dt)[1]
    n = current.shape[0]
    dts = torch.full((n,), float(dt), dtype=torch.float64) if isinstance(dt, (int, float)) else torch.as_tensor(
        [float(x) for x in (dt.tolist() if isinstance(dt, torch.Tensor) else dt)], dtype=torch.float64)
    vals = {k: float(getattr(p, k)) for k in ("tau_m", "r_in", "v_rest", "v_th", "v_reset", "t_ref", "tau_w", "b", "i_ref")}
    with torch.no_grad():
        out = _compiled_loop()(current, dts, vals["tau_m"], vals["r_in"], vals["v_rest"], vals["v_th"], vals["v_reset"],
                              vals["t_ref"], vals["tau_w"], vals["b"], vals["i_ref"])
    return out + float(p.t_delay)


# -- modules -----------------------------------------------------------------------------------


class LIFCell(ParamHolder):
    """One time step of the fitted LIF (:func:`lif_step`)."""

    def __init__(
        self,
        p: LIFParameters = LIFParameters(),
        dt: float = 1e-5,
        *,
        learn: Iterable[str] = (),
        soft: bool = False,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        if not dt > 0:
            raise ValidationError(f"LIFCell: dt must be > 0 s, got {dt!r}.")
        self.dt = float(dt)
        self.soft = soft
        self._store(p, learn, dtype)

    @classmethod
    def from_model(cls, path: str | Path, dt: float, **kw) -> "LIFCell":
        from .artifacts import lif_parameters

        return cls(lif_parameters(path), dt, **kw)

    def forward(self, i: torch.Tensor, state: LIFState | None = None):
        p = self.params()
        if state is None:
            state = lif_initial_state(i.shape, p, dtype=i.dtype, device=i.device)
        return lif_step(i, state, p, self.dt, soft=self.soft)


class LIF(LIFCell):
    """The fitted LIF over a whole input sequence ``(T, ...)``: returns spikes ``(T, ...)``,
    spike times (s, nan where none) and the final state."""

    def forward(self, current: torch.Tensor, state: LIFState | None = None):  # type: ignore[override]
        z, t, _, state = lif_run(current, self.params(), self.dt, state=state, soft=self.soft)
        return z, t, state


__all__ = ["LIFParameters", "LIFState", "lif_initial_state", "lif_step", "lif_run", "lif_rate", "lif_latency",
           "lif_spike_times_fast", "law_values", "LIFCell", "LIF", "DEFAULT_ALPHA"]
