"""Device synapse arrays and spiking networks that model the circuit.

A synapse array is a crossbar of one device family read at virtual ground (a column read):
input ``i`` applies a voltage pulse of amplitude ``V`` (V) and width ``t_w`` (s) to its row,
every device conducts its read current, and column ``j`` sums them into neuron ``j``::

    I_j = sum_i (I(G+_ij, V) - I(G-_ij, V)) * s_i          (A, during the pulse)

Signed weights are differential pairs: ``w = G+ - G-`` with the magnitude on one side and the
other device at the family's floor ``g_min`` (:class:`~circuitsnn.surrogates.weights.
DifferentialPair`'s convention). ``I(G, V)`` is the device's read through its weight interface
(:meth:`~circuitsnn.surrogates.weights.WeightInterface.read`), with its read nonlinearity: the
read current at the pulse amplitude of the state whose conductance at the family's read bias is
``G``. A pulse of width ``t_w <= dt`` inside a step of length ``dt`` delivers its charge as the
step-mean current ``I t_w / dt`` (the neuron's exact relaxation sees the same charge).

The trainable parameter of an array is ``theta`` in ``[-1, 1]``, the signed position of the
pair's conductance difference in the device's range: ``G+ = g_min + relu(theta) (g_max -
g_min)``, ``G- = g_min + relu(-theta) (g_max - g_min)``. Training updates ``theta``, and
:meth:`DeviceSynapses.project` clamps it after every optimizer step, so every conductance stays
inside the reachable range. Families with discrete levels (a ``quantize`` method in their weight
interface: the digital code; or ``levels=N`` for a uniform grid on an analog family) are
quantized in the forward pass with a straight-through gradient. A ``mask`` buffer removes
pruned pairs (both devices absent: no current).

Nothing here names a family: a device is reached only through its weight interface.

:class:`DeviceNetwork` stacks ``DeviceSynapses`` + :class:`~circuitsnn.learn.neurons.LIFNeurons`
layers (feed-forward; ``recurrent=True`` adds a recurrent array per hidden layer). Each layer's
input currents for all steps are one matrix product (the layer-wise scheme), the neurons then
step through time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch
from torch import nn

from ..errors import ValidationError
from ..surrogates.functional import LIFParameters
from ..surrogates.weights import WeightInterface
from .neurons import LIFNeurons
from .surrogate import SpikeFunction


@dataclass(frozen=True)
class PulseSpec:
    """The read pulse every spike (input or hidden) drives onto a row: ``amplitude`` (V) and
    ``width`` (s, at most the time step)."""

    amplitude: float
    width: float

    def duty(self, dt: float) -> float:
        if not (self.amplitude > 0 and math.isfinite(self.amplitude)):
            raise ValidationError(f"the read pulse amplitude must be > 0 V, got {self.amplitude!r}.")
        if not 0 < self.width <= dt * (1 + 1e-9):
            raise ValidationError(f"the read pulse width {self.width:g} s must be > 0 and at most the time step "
                                  f"dt = {dt:g} s.", hint="Shorten the pulse or lengthen dt.")
        return min(self.width / dt, 1.0)


def _interp_uniform(x: torch.Tensor, x0: float, dx: float, y: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear ``y(x)`` on the uniform grid ``x0 + k dx``; differentiable in ``x``."""
    u = (x - x0) / dx
    k = torch.clamp(torch.floor(u.detach()), 0, len(y) - 2).long()
    f = u - k.to(u.dtype)
    y0, y1 = y[k], y[k + 1]
    return y0 + f * (y1 - y0)


def _interp_sorted(x: torch.Tensor, xs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear ``y(x)`` on the increasing grid ``xs``; differentiable in ``x``."""
    k = torch.clamp(torch.searchsorted(xs, x.detach().contiguous()) - 1, 0, len(xs) - 2)
    x0, x1 = xs[k], xs[k + 1]
    f = (x - x0) / (x1 - x0)
    return y[k] + f * (y[k + 1] - y[k])


class DeviceModel:
    """What a synapse array needs of a family, computed once from its weight interface:
    the range, the quantizer, and the read at the pulse amplitudes as a table over ``G``.

    ``amplitudes``: the input voltages the array sees (one for pulses; several levels for
    analog inputs on a nonlinear read). ``levels``: a uniform grid of that many conductances for
    an analog family (``None``: continuous; families with ``quantize`` always use their own).
    """

    def __init__(self, device: WeightInterface, amplitudes: Sequence[float], *, levels: int | None = None,
                 table_points: int = 1025) -> None:
        self.device = device
        self.g_min, self.g_max = (float(g) for g in device.g_range())
        if not self.g_max > self.g_min >= 0:
            raise ValidationError(f"{device.component}: the conductance range [{self.g_min:g}, {self.g_max:g}] S is empty.")
        self.span = self.g_max - self.g_min
        self.amplitudes = tuple(float(a) for a in amplitudes)
        self.native_quantizer = callable(getattr(device, "quantize", None)) and getattr(device, "quantized", True)
        self.levels = None if self.native_quantizer else levels
        # the table: a uniform grid over the range, or a quantized family's own levels (its
        # state_for snaps to a level, so only the levels are states)
        g = self.grid() if self.native_quantizer else None
        self.uniform = g is None
        if g is None:
            g = torch.linspace(self.g_min, self.g_max, table_points, dtype=torch.float64)
        self.dg = self.span / (table_points - 1)
        with torch.no_grad():
            self.s_grid = device.state_for(g).to(torch.float64)
            self.i_grid = torch.stack([device.read(self.s_grid, a).to(torch.float64) for a in self.amplitudes])
            zero = device.read(self.s_grid, 0.0)
        scale = torch.stack([g * a for a in self.amplitudes])
        worst = float(((self.i_grid - scale).abs().max() / self.i_grid.abs().max().clamp(min=1e-300)))
        #: the read current is G x V at every amplitude (to 1e-6): a plain matrix product
        self.linear = worst < 1e-6
        #: worst relative difference of the read from G x V over the range (the read nonlinearity)
        self.nonlinearity = worst
        if float(torch.as_tensor(zero).abs().max()) > 1e-6 * float(self.i_grid.abs().max()):
            raise ValidationError(f"{device.component}: the device conducts at 0 V across it; a column read needs "
                                  "no current without a pulse.")
        self._g_grid = g
        self._tables: dict[tuple, torch.Tensor] = {}

    def _table(self, name: str, k: int | None, like: torch.Tensor) -> torch.Tensor:
        """Table ``name`` (row ``k``) on ``like``'s device and dtype, copied there once."""
        key = (name, k, like.device, like.dtype)
        t = self._tables.get(key)
        if t is None:
            t = getattr(self, name)
            t = (t if k is None else t[k]).to(device=like.device, dtype=like.dtype)
            self._tables[key] = t
        return t

    # -- conductance --------------------------------------------------------------------------
    def split(self, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(G+, G-)`` in S of normalized weights ``theta``, quantized when the family is."""
        w = torch.clamp(theta, -1.0, 1.0)
        gp = torch.clamp(self.g_min + torch.relu(w) * self.span, max=self.g_max)
        gn = torch.clamp(self.g_min + torch.relu(-w) * self.span, max=self.g_max)
        return self.quantize(gp), self.quantize(gn)

    def quantize(self, g: torch.Tensor) -> torch.Tensor:
        if self.native_quantizer:
            if g.device.type == "cpu":
                return self.device.quantize(g, straight_through=True).to(g.dtype)
            # the weight interface computes on the CPU; the gradient passes straight through
            q = self.device.quantize(g.detach().cpu()).to(device=g.device, dtype=g.dtype)
            return g + (q - g).detach()
        if self.levels:
            n = self.levels - 1
            u = (g - self.g_min) / self.span * n
            q = self.g_min + torch.round(u.detach()) / n * self.span
            return g + (q - g).detach()
        return g

    def grid(self) -> torch.Tensor | None:
        """The allowed conductances (S) when the family is quantized, else ``None``."""
        if self.native_quantizer:
            return self.device.grid().to(torch.float64)
        if self.levels:
            return torch.linspace(self.g_min, self.g_max, self.levels, dtype=torch.float64)
        return None

    def states(self, g: torch.Tensor) -> torch.Tensor:
        """Device states (the family's own unit) of conductances ``g`` (S), from the table (a
        quantized family: the state of the nearest level)."""
        with torch.no_grad():
            g64 = g.detach().to(torch.float64)
            if not self.uniform:
                return self.device.state_for(g64.cpu()).to(device=g.device, dtype=torch.float64)
            return _interp_uniform(g64, self.g_min, self.dg, self._table("s_grid", None, g64))

    # -- read -----------------------------------------------------------------------------------
    def current(self, g: torch.Tensor, k: int = 0) -> torch.Tensor:
        """Nominal read current (A) at amplitude ``k`` of devices of conductance ``g``;
        differentiable in ``g``."""
        if self.linear:
            return g * self.amplitudes[k]
        if not self.uniform:
            return _interp_sorted(g, self._table("_g_grid", None, g), self._table("i_grid", k, g))
        return _interp_uniform(g, self.g_min, self.dg, self._table("i_grid", k, g))

    def current_on_chip(self, g: torch.Tensor, params: Mapping[str, torch.Tensor], k: int = 0, *,
                        states: torch.Tensor | None = None) -> torch.Tensor:
        """Read current (A) of the devices of one sampled chip, read with each device's own
        parameters ``params``, in ``states`` (default: the nominal state for ``g``, open-loop
        programming). The value is the chip's; the gradient is the nominal read's (straight
        through). The chip's read is computed on the CPU, where its parameters are."""
        nominal = self.current(g, k)
        with torch.no_grad():
            s = self.states(g) if states is None else states
            exact = self.device.read(s.cpu(), self.amplitudes[k], params).to(device=g.device, dtype=g.dtype)
        return nominal + (exact - nominal).detach()

    def describe(self) -> dict[str, Any]:
        d = dict(self.device.describe())
        d.update({"g_min": self.g_min, "g_max": self.g_max, "amplitudes": list(self.amplitudes),
                  "read_linear": self.linear, "read_nonlinearity": self.nonlinearity,
                  "quantized": bool(self.native_quantizer or self.levels),
                  "grid_levels": None if self.grid() is None else int(len(self.grid()))})
        return d


class DeviceSynapses(nn.Module):
    """A crossbar of ``n_out x n_in`` differential pairs of one family (module docstring).

    ``forward(x)`` maps inputs ``(..., n_in)`` — pulses (0/1) or, with ``binary=False``, analog
    levels in ``[0, 1]`` of the first amplitude — to column currents ``(..., n_out)`` in A. For
    analog inputs on a nonlinear read the model's ``amplitudes`` are ``[A, A/K, 2A/K, ..., A]``
    and each input is read at its nearest level.
    ``chip`` (set by :mod:`circuitsnn.learn.hardware`) holds one sampled chip's per-device
    parameters and programming/read noise; ``None`` is the nominal device."""

    def __init__(self, n_in: int, n_out: int, model: DeviceModel, pulse: PulseSpec, dt: float, *,
                 init_std: float | None = None, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.model = model
        self.pulse = pulse
        self.dt = float(dt)
        self.duty = pulse.duty(dt)
        std = init_std if init_std is not None else 1.0 / math.sqrt(n_in)
        theta = torch.randn(n_out, n_in, generator=generator) * std
        self.theta = nn.Parameter(torch.clamp(theta, -1.0, 1.0))
        self.register_buffer("mask", torch.ones(n_out, n_in))
        self.chip: dict[str, Any] | None = None
        self.read_noise = 0.0

    # -- what the array holds -------------------------------------------------------------------
    def conductances(self, dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(G+, G-)`` (S) as programmed (quantized where the family is; pruned pairs keep
        their values here but carry no current, see ``mask``). ``dtype=torch.float64`` for
        values to program (float32 rounds at 1e-7 of the range)."""
        return self.model.split(self.theta if dtype is None else self.theta.to(dtype))

    def weights(self) -> torch.Tensor:
        """Signed conductance ``G+ - G-`` (S), zero where pruned."""
        gp, gn = self.conductances()
        return (gp - gn) * self.mask

    def states(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Device states of both sides (the family's unit)."""
        gp, gn = self.conductances(torch.float64)
        return self.model.states(gp), self.model.states(gn)

    @torch.no_grad()
    def project(self) -> None:
        """Clamp ``theta`` into ``[-1, 1]`` (every conductance inside the device range) and
        zero pruned entries; called after every optimizer step."""
        self.theta.clamp_(-1.0, 1.0)
        self.theta.mul_(self.mask)

    # -- read ------------------------------------------------------------------------------------
    def effective(self, k: int = 0) -> torch.Tensor:
        """Step-mean current (A) per input pulse, ``(n_out, n_in)``: the column read of one
        pulse at amplitude ``k`` in one time step, on the nominal device or the set chip."""
        gp, gn = self.model.split(self.theta)
        if self.chip is None:
            if self.model.linear:
                w = (gp - gn) * self.model.amplitudes[k]
            else:
                w = self.model.current(gp, k) - self.model.current(gn, k)
        else:
            sp, sn = self._chip_states(gp, gn)
            ip = self.model.current_on_chip(gp, self.chip["pos"], k, states=sp) * self.chip["prog_pos"].to(gp.device)
            i_n = self.model.current_on_chip(gn, self.chip["neg"], k, states=sn) * self.chip["prog_neg"].to(gn.device)
            if self.read_noise > 0:
                gen = self.chip.get("generator")  # a CPU generator: the same draws on every device
                ip = ip * (1 + self.read_noise * torch.randn(ip.shape, generator=gen, dtype=ip.dtype).to(ip.device))
                i_n = i_n * (1 + self.read_noise * torch.randn(i_n.shape, generator=gen, dtype=i_n.dtype).to(ip.device))
            w = ip - i_n
        return w * self.mask * self.duty

    def _chip_states(self, gp: torch.Tensor, gn: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """The set chip's devices' states after program-and-verify (``WeightInterface.
        verified_state`` with each device's own parameters), kept on the chip while the weights
        are unchanged (an evaluation reads them once per chip, not once per batch); ``(None,
        None)`` for open-loop programming."""
        if not self.chip.get("verify", False):
            return None, None
        key = (id(self.theta), self.theta._version)
        cached = self.chip.get("verified")
        if cached is None or cached[0] != key:
            dev = self.model.device
            with torch.no_grad():
                cached = (key, dev.verified_state(gp.detach().to("cpu", torch.float64), self.chip["pos"]),
                          dev.verified_state(gn.detach().to("cpu", torch.float64), self.chip["neg"]))
            self.chip["verified"] = cached
        return cached[1], cached[2]

    def forward(self, x: torch.Tensor, *, binary: bool = True, weight: torch.Tensor | None = None) -> torch.Tensor:
        if binary or len(self.model.amplitudes) == 1 and self.model.linear:
            w = self.effective(0) if weight is None else weight
            return x @ w.t()
        # analog levels on a nonlinear read: amplitudes[k] = k/K of the full amplitude
        # (k = 1..K); each input is rounded to the nearest level and read at that voltage
        n_lv = len(self.model.amplitudes) - 1
        if n_lv < 1:
            raise ValidationError("analog inputs on a nonlinear read need the array built with input levels.")
        lvl = torch.round(torch.clamp(x, 0.0, 1.0) * n_lv)
        out = torch.zeros((*x.shape[:-1], self.n_out), dtype=x.dtype, device=x.device)
        for k in range(1, n_lv + 1):
            out = out + (lvl == k).to(x.dtype) @ self.effective(k).t()
        return out

    def l1(self) -> torch.Tensor:
        """Mean programmed conductance above the floor, in units of the range:
        ``mean((G+ - g_min) + (G- - g_min)) / (g_max - g_min)`` = ``mean |theta|``."""
        return (torch.clamp(self.theta, -1, 1).abs() * self.mask).mean()

    def extra_repr(self) -> str:
        m = self.model
        q = f", {len(m.grid())} levels" if m.grid() is not None else ""
        return (f"{self.n_in} -> {self.n_out}, {m.device.component} [{m.g_min:.3g}, {m.g_max:.3g}] S{q}, "
                f"pulse {self.pulse.amplitude:g} V x {self.pulse.width:g} s")


@dataclass
class Output:
    """What a network run returns: ``spikes`` per layer ``(T, B, n)``, the output layer's
    membrane ``v_out`` ``(T, B, C)`` (V) and spike ``counts`` ``(B, C)``."""

    spikes: list[torch.Tensor]
    v_out: torch.Tensor
    counts: torch.Tensor

    def scores(self, v_th: float) -> torch.Tensor:
        """Spike counts, ties broken by the mean output membrane (each membrane term < 0.5)."""
        return self.counts + 0.5 * torch.sigmoid(self.v_out.mean(0) / v_th)


class DeviceNetwork(nn.Module):
    """Layers of device synapse arrays and LIF neurons (module docstring).

    ``sizes``: ``[n_in, hidden..., n_out]``. ``model``: the :class:`DeviceModel` of the family
    (one family for the whole network). ``neuron``: the fitted ``LIFParameters`` (SI). The first
    array takes pulses or analog levels (``binary_input``); hidden spikes drive pulses.
    ``readout``: ``"count"`` (the output layer spikes; the loss reads its spike counts) or
    ``"membrane"`` (the output layer is the same RC without threshold; scores are its maximum
    membrane voltage over time)."""

    def __init__(self, sizes: Sequence[int], model: DeviceModel, neuron: LIFParameters, *, dt: float, n_steps: int,
                 pulse: PulseSpec, spike: SpikeFunction | None = None, recurrent: bool = False,
                 readout: str = "count", binary_input: bool = True, init_std: Sequence[float | None] | float | None = None,
                 seed: int = 0, input_model: DeviceModel | None = None, neuron_source: str = "",
                 readout_scale: float | None = None, readout_rest: float | None = None) -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValidationError("a network needs at least an input and an output size.")
        if readout not in ("count", "membrane"):
            raise ValidationError(f"unknown readout {readout!r}.", hint="Use \"count\" or \"membrane\".")
        self.sizes = [int(s) for s in sizes]
        self.model = model
        self.neuron = neuron
        self.dt = float(dt)
        self.n_steps = int(n_steps)
        self.pulse = pulse
        self.spike = spike or SpikeFunction()
        self.readout = readout
        #: volts per logit unit of the membrane read-out (default ``v_th``)
        self.readout_scale = float(neuron.v_th) if readout_scale is None else float(readout_scale)
        if not self.readout_scale > 0:
            raise ValidationError(f"readout_scale must be > 0 V, got {readout_scale!r}.")
        #: rest level (V) of a membrane read-out: its leak returns to this reference (default the
        #: neuron's v_rest); the RC is linear, so a shift moves every score alike
        self.readout_rest = None if readout_rest is None else float(readout_rest)
        if self.readout_rest is not None and readout != "membrane":
            raise ValidationError("readout_rest sets the rest of a membrane read-out; this network reads spike counts.",
                                  hint="Set readout = \"membrane\", or leave readout_rest out.")
        self.binary_input = binary_input
        self.neuron_source = neuron_source
        gen = torch.Generator().manual_seed(int(seed))
        stds = list(init_std) if isinstance(init_std, (list, tuple)) else [init_std] * (len(sizes) - 1)
        self.synapses = nn.ModuleList()
        self.recurrent = nn.ModuleList()
        self.neurons = nn.ModuleList()
        for k, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            m = input_model if (k == 0 and input_model is not None) else model
            self.synapses.append(DeviceSynapses(a, b, m, pulse, dt, init_std=stds[k], generator=gen))
            last = k == len(self.sizes) - 2
            if recurrent and not last:
                self.recurrent.append(DeviceSynapses(b, b, model, pulse, dt, init_std=stds[k], generator=gen))
            read_out = last and readout == "membrane"
            p = neuron._replace(v_rest=self.readout_rest) if read_out and self.readout_rest is not None else neuron
            self.neurons.append(LIFNeurons(b, p, dt, self.spike, threshold=not read_out, source=neuron_source))

    def arrays(self) -> list[tuple[str, DeviceSynapses]]:
        """Every synapse array with its name (``layer0``, ``layer0_rec``, ...)."""
        out = []
        for k, syn in enumerate(self.synapses):
            out.append((f"layer{k}", syn))
            if k < len(self.recurrent):
                out.append((f"layer{k}_rec", self.recurrent[k]))
        return out

    @torch.no_grad()
    def project(self) -> None:
        for _, syn in self.arrays():
            syn.project()

    def forward(self, x: torch.Tensor, *, record_v: bool = False) -> Output:
        """``x``: encoded inputs ``(T, B, n_in)``."""
        spikes = []
        h = x
        v_out = None
        for k, (syn, neu) in enumerate(zip(self.synapses, self.neurons)):
            cur = syn(h, binary=self.binary_input or k > 0)
            rec_w = self.recurrent[k].effective() if k < len(self.recurrent) else None
            last = k == len(self.synapses) - 1
            if rec_w is not None:
                z, v = self._recurrent_run(neu, cur, rec_w, record_v)
            else:
                z, v = neu(cur, record_v=record_v or last)
            spikes.append(z)
            h = z
            if last:
                v_out = v
        counts = spikes[-1].sum(0)
        return Output(spikes, v_out, counts)

    @staticmethod
    def _recurrent_run(neu: LIFNeurons, cur: torch.Tensor, w: torch.Tensor, record_v: bool):
        from .neurons import lif_train_step

        s = neu.initial(cur.shape[1], cur.dtype, cur.device)
        z = torch.zeros_like(s.v)
        zs, vs = [], []
        for c in cur.unbind(0):
            z, s = lif_train_step(c + z @ w.t(), s, neu.p, neu.dt, neu.spike, adapt=neu.adapt)
            zs.append(z)
            if record_v:
                vs.append(s.v)
        return torch.stack(zs), (torch.stack(vs) if record_v else None)

    def scores(self, out: Output) -> torch.Tensor:
        """Class scores: spike counts with ties broken by the membrane (``count``), or the
        maximum output membrane over time (``membrane``)."""
        if self.readout == "membrane":
            return out.v_out.max(0).values
        return out.scores(float(self.neuron.v_th))

    def logits(self, out: Output) -> torch.Tensor:
        """What the loss reads: spike counts, or the maximum membrane in units of
        ``readout_scale`` (V; default ``v_th``). A smaller unit lets the loss be met with
        membranes that stay inside the read-out's rails (``[regularization] membrane_*``)."""
        if self.readout == "membrane":
            return out.v_out.max(0).values / self.readout_scale
        return out.counts
