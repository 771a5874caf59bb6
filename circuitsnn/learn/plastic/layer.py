"""A plastic spiking layer on device synapses (SpikePropamine on a crossbar), and its static twin.

Input lines drive read pulses (amplitude ``V``, width ``t_w``) into a crossbar of differential
pairs of one family, read at virtual ground into LIF neurons (the fitted surrogate, SI), as in
:mod:`circuitsnn.learn.layers`::

    I_i(t) = sum_j (I(G+_ij(t), V) - I(G-_ij(t), V)) s_j(t) t_w / dt          (A)

The pair's normalized weight (fraction of the range ``g_max - g_min``) is
``w_ij(t) = W_ij + alpha_ij E_ij(t)``, clipped to ``[-1, 1]``, so ``G+`` and ``G-`` stay in
``[g_min, g_max]``. ``W`` (per synapse) and ``alpha`` (per synapse) are learned by BPTT, as are
the rule's ``eta`` (per layer) and the neuromodulator readout (per layer); ``E`` follows the rule
(:mod:`.rules`) from spike traces ``x`` (inputs, ``tau_pre``) and ``y`` (outputs, ``tau_post``)
and is reset at the start of every episode. The neuromodulator is a learned readout of the
network's activity (Backpropamine, Miconi et al. ICLR 2019)::

    M(t) = tanh(a_x . x(t) + a_y . y(t) + b)

With ``device_update`` the change ``alpha dE`` of each step is realized by the family's
programming events (:mod:`.device`), and the pair the network reads is what the device did,
not ``W + alpha E``; without it the pair is the ideal ``W + alpha E`` (the baseline).
``plastic=False`` is the static network of the same size (``alpha = 0``, no rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ...errors import ValidationError
from ...surrogates.functional import LIFParameters
from ..layers import DeviceModel, PulseSpec
from ..neurons import TrainState, lif_train_step
from ..stdp.traces import trace_step
from ..surrogate import SpikeFunction
from .device import DeviceUpdate
from .rules import MODULATIONS, RULES, RuleParameters, RuleState, plastic_step


@dataclass
class Record:
    """What :meth:`PlasticNetwork.forward` returns: output spikes ``(T, B, n_out)``, and with
    ``record`` per step the mean ``|E|``, one synapse's ``E``, ``M(t)`` and the pair
    conductances (S) of the first episode."""

    spikes: torch.Tensor
    v: torch.Tensor | None = None
    E_mean: list[float] = field(default_factory=list)
    E_trace: torch.Tensor | None = None
    M: list[float] = field(default_factory=list)
    gp: torch.Tensor | None = None
    gn: torch.Tensor | None = None

    def counts(self, queries: list[tuple[int, int]]) -> torch.Tensor:
        """Output spike counts per query window ``(B, Q, n_out)``."""
        return torch.stack([self.spikes[a:b].sum(0) for a, b in queries], 1)

    def scores(self, queries: list[tuple[int, int]], v_th: float) -> torch.Tensor:
        """Answers' scores ``(B, Q, n_out)``: spike counts, ties broken by the mean membrane
        of the window (each membrane term < 0.5), as the gradient trainer's readout."""
        vm = torch.stack([self.v[a:b].mean(0) for a, b in queries], 1)
        return self.counts(queries) + 0.5 * torch.sigmoid(vm / v_th)


class PlasticNetwork(nn.Module):
    """``n_in`` input lines -> plastic crossbar -> ``n_out`` LIF neurons (module docstring)."""

    def __init__(self, n_in: int, n_out: int, model: DeviceModel, neuron: LIFParameters, *, dt: float,
                 pulse: PulseSpec, spike: SpikeFunction | None = None, plastic: bool = True, rule: str = "hebbian",
                 modulation: str = "none", device_update: bool = False, tau_pre: float = 1e-3,
                 tau_post: float = 1e-3, tau_theta: float = 10e-3, clip: float = 2.0, max_pulses: int = 8,
                 init_std: float = 0.3, alpha_init: float = 0.5, eta_init: float = 0.02, teacher: int = 0,
                 init_mean: float = 0.0, mapping: str = "nominal", seed: int = 0) -> None:
        super().__init__()
        if rule not in RULES:
            raise ValidationError(f"unknown plasticity rule {rule!r}.", hint=f"Rules: {', '.join(RULES)}.")
        if modulation not in MODULATIONS:
            raise ValidationError(f"unknown modulation {modulation!r}.", hint=f"Use one of {', '.join(MODULATIONS)}.")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.model, self.neuron, self.dt = model, neuron, float(dt)
        self.pulse = pulse
        self.duty = pulse.duty(dt)
        self.spike = spike or SpikeFunction()
        self.plastic, self.rule, self.modulation = bool(plastic), rule, modulation
        self.device_update = bool(device_update) and self.plastic
        self.tau_pre, self.tau_post, self.tau_theta = float(tau_pre), float(tau_post), float(tau_theta)
        self.clip = float(clip)
        gen = torch.Generator().manual_seed(int(seed))
        w = init_mean + torch.randn(n_out, n_in, generator=gen, dtype=torch.float64) * init_std
        if teacher:
            # the label (reward) lines are the last ``teacher`` inputs: each starts fully
            # connected to its own output neuron, so the outputs fire while a label is shown
            w[:, n_in - teacher:] = torch.eye(n_out, teacher, dtype=torch.float64)
        self.theta = nn.Parameter(torch.clamp(w, -1, 1))
        if self.plastic:
            self.alpha = nn.Parameter(torch.full((n_out, n_in), float(alpha_init), dtype=torch.float64))
            logit = math.log(eta_init / (1 - eta_init))
            self.eta_logit = nn.Parameter(torch.tensor(logit, dtype=torch.float64))
            self.eta_e_logit = nn.Parameter(torch.tensor(logit, dtype=torch.float64))
            self.m_x = nn.Parameter(torch.randn(n_in, generator=gen, dtype=torch.float64) * 0.1)
            self.m_y = nn.Parameter(torch.randn(n_out, generator=gen, dtype=torch.float64) * 0.1)
            self.m_b = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self._kx = 1.0 - math.exp(-self.dt / self.tau_pre)
        self._ky = 1.0 - math.exp(-self.dt / self.tau_post)
        self.update = DeviceUpdate(model, ideal=not self.device_update, max_pulses=max_pulses, dt=dt,
                                   mapping=mapping)

    # -- parameters ------------------------------------------------------------------------------
    def rule_parameters(self) -> RuleParameters:
        return RuleParameters(torch.sigmoid(self.eta_logit), torch.sigmoid(self.eta_e_logit), self.clip,
                              self.dt / self.tau_theta)

    def coefficients(self) -> dict[str, Any]:
        """The learned rule coefficients (for reports and plots)."""
        if not self.plastic:
            return {}
        with torch.no_grad():
            p = self.rule_parameters()
        a = self.alpha.detach()
        return {"eta": float(p.eta), "eta_e": float(p.eta_e), "alpha_mean": float(a.mean()),
                "alpha_abs_mean": float(a.abs().mean()), "alpha_std": float(a.std()),
                "m_bias": float(self.m_b.detach()), "m_x": self.m_x.detach().tolist(), "m_y": self.m_y.detach().tolist()}

    @torch.no_grad()
    def project(self) -> None:
        self.theta.clamp_(-1.0, 1.0)

    def _current(self, gp: torch.Tensor, gn: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        m = self.model
        i_dev = m.current(gp) - m.current(gn)
        if i_dev.dim() == 2:
            return (s @ i_dev.t()) * self.duty
        return (i_dev * s.unsqueeze(1)).sum(-1) * self.duty

    def modulator(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ self.m_x + y @ self.m_y + self.m_b)

    # -- run ------------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, *, generator: torch.Generator | None = None, record: bool = False) -> Record:
        """``x``: input pulses ``(T, B, n_in)`` of one batch of episodes."""
        x = x.to(torch.float64)
        T, B = x.shape[0], x.shape[1]
        p = self.neuron
        v = torch.full((B, self.n_out), float(p.v_rest), dtype=x.dtype)
        zero = torch.zeros((B, self.n_out), dtype=x.dtype)
        ns = TrainState(v, zero, zero.clone())
        rec = Record(spikes=torch.empty(0))
        zs, vs = [], []
        if not self.plastic:
            gp, gn = self.model.split(self.theta)
            for t in range(T):
                z, ns = lif_train_step(self._current(gp, gn, x[t]), ns, p, self.dt, self.spike)
                zs.append(z)
                vs.append(ns.v)
            rec.spikes, rec.v = torch.stack(zs), torch.stack(vs)
            if record:
                rec.gp, rec.gn = gp.detach().expand(T, *gp.shape), gn.detach().expand(T, *gn.shape)
            return rec
        rp = self.rule_parameters()
        W = self.theta.unsqueeze(0).expand(B, -1, -1)
        E0 = torch.zeros((B, self.n_out, self.n_in), dtype=x.dtype)
        rs = RuleState(E0, E0.clone(), torch.zeros((B, self.n_out), dtype=x.dtype))
        pair = self.update.initial(W)
        xtr = torch.zeros((B, self.n_in), dtype=x.dtype)
        ytr = zero.clone()
        gps, gns, es = [], [], []
        for t in range(T):
            z, ns = lif_train_step(self._current(pair.gp, pair.gn, x[t]), ns, p, self.dt, self.spike)
            zs.append(z)
            vs.append(ns.v)
            # traces scaled by (1 - decay): a running rate estimate in [0, 1] per step
            xtr = trace_step(xtr, x[t] * self._kx, self.dt, self.tau_pre)
            ytr = trace_step(ytr, z * self._ky, self.dt, self.tau_post)
            m = self.modulator(xtr, ytr) if self.modulation != "none" else None
            new = plastic_step(self.rule, self.modulation, xtr, ytr, rs, rp, m)
            if self.device_update:
                pair = self.update.step(pair, self.alpha * (new.E - rs.E), generator)
            else:
                pair = self.update.ideal_state(torch.clamp(W + self.alpha * new.E, -1.0, 1.0))
            rs = new
            if record:
                rec.E_mean.append(float(rs.E[0].abs().mean()))
                es.append(rs.E[0].detach().clone())
                rec.M.append(float(m[0]) if m is not None else float("nan"))
                gps.append(pair.gp[0].detach().clone())
                gns.append(pair.gn[0].detach().clone())
        rec.spikes, rec.v = torch.stack(zs), torch.stack(vs)
        if record:
            rec.E_trace, rec.gp, rec.gn = torch.stack(es), torch.stack(gps), torch.stack(gns)
        return rec

    def extra_repr(self) -> str:
        m = self.model
        kind = (f"plastic {self.rule}, modulation {self.modulation}, "
                f"{'device update (' + self.update.kind + ')' if self.device_update else 'ideal update'}"
                if self.plastic else "static")
        return f"{self.n_in} -> {self.n_out}, {m.device.component} [{m.g_min:.3g}, {m.g_max:.3g}] S, {kind}"
