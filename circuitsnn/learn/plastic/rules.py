"""Plasticity rules as pure step functions (norse style): ``step(x, y, E, p) -> E``.

``x`` is the presynaptic spike trace ``(B, n_in)``, ``y`` the postsynaptic one ``(B, n_out)``
(:func:`circuitsnn.learn.stdp.traces.trace_step`), ``E`` the plastic trace ``(B, n_out, n_in)``
in units of the normalized weight (the fraction of the device range, see :mod:`.layer`). The
effective weight of a synapse is ``W + alpha * E`` (differentiable plasticity, Miconi et al.,
ICML 2018; Backpropamine, Miconi et al., ICLR 2019; SpikePropamine, Schmidgall et al.,
Front. Neurorobot. 15:629210, 2021). Each rule is an increment ``D`` and an update::

    Hebbian trace   D = y_i x_j - E_ij          E <- E + eta D  =  (1 - eta) E + eta y_i x_j
    Oja             D = y_i (x_j - y_i E_ij)    E <- E + eta D
    BCM             D = x_j y_i (y_i - th_i)    E <- E + eta D,
                    th_i <- th_i + (y_i^2 - th_i) dt / tau_theta   (a running mean of y^2)

Neuromodulated variants (Backpropamine) gate the update with a signal ``M(t)`` in [-1, 1]
that a learned readout of the network produces (:mod:`.layer`)::

    direct        E <- clip(E + M eta D, -c, c)
    eligibility   e <- (1 - eta_e) e + eta_e D' ;   E <- clip(E + M e, -c, c)

(Backpropamine's "retroactive" form: the rule's term accumulates in an eligibility trace ``e``
and only turns into a weight change when the modulator arrives; ``c`` is the clip, 2 in
Backpropamine.) ``D'`` is ``D`` except for the Hebbian rule, whose eligibility accumulates the
product ``y_i x_j`` alone, as in Backpropamine: with ``D = y x - E`` the pair ``(e, E)`` is a
second-order loop (``E'' = M eta_e (y x - E - e)``, per step) that rings for ``M > 0``
(``eta_e`` 0.02, ``M`` 0.5: a stored association changes sign about 20 ms after its pair
began) and grows geometrically for ``M < 0``, so no readout can use ``E`` at recall (with it the
rule stayed at chance on both tasks, examples/plastic/RESULTS.md). The un-modulated rules are
clipped to ``[-c, c]`` as well, so that BCM and Oja cannot run away inside an episode.

Learned parameters, what :class:`RuleParameters` holds: ``eta`` and ``eta_e`` are per layer
(one scalar each, in (0, 1), as in Miconi et al.); ``tau_theta`` (s) is per layer and fixed by
the config; ``alpha`` (per synapse) and ``W`` (per synapse) live in the layer; so does the
readout of ``M`` (one weight per pre and post neuron and a bias, per layer).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

RULES = ("hebbian", "oja", "bcm")
MODULATIONS = ("none", "direct", "eligibility")


class RuleParameters(NamedTuple):
    """``eta``: rate of the rule (per layer, in (0, 1)); ``eta_e``: rate of the eligibility
    trace; ``clip``: bound of ``|E|``; ``theta_rate``: ``dt / tau_theta`` of BCM's threshold."""

    eta: torch.Tensor
    eta_e: torch.Tensor
    clip: float = 2.0
    theta_rate: float = 0.1


class RuleState(NamedTuple):
    """Plastic trace ``E`` ``(B, n_out, n_in)``, eligibility ``e`` (same shape), BCM
    threshold ``theta`` ``(B, n_out)``."""

    E: torch.Tensor
    e: torch.Tensor
    theta: torch.Tensor


def hebbian_term(x: torch.Tensor, y: torch.Tensor, E: torch.Tensor) -> torch.Tensor:
    return y.unsqueeze(-1) * x.unsqueeze(-2) - E


def oja_term(x: torch.Tensor, y: torch.Tensor, E: torch.Tensor) -> torch.Tensor:
    yi = y.unsqueeze(-1)
    return yi * (x.unsqueeze(-2) - yi * E)


def bcm_term(x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    return x.unsqueeze(-2) * (y * (y - theta)).unsqueeze(-1)


def hebbian_step(x: torch.Tensor, y: torch.Tensor, E: torch.Tensor, p: RuleParameters) -> torch.Tensor:
    """``E <- (1 - eta) E + eta y x``."""
    return torch.clamp(E + p.eta * hebbian_term(x, y, E), -p.clip, p.clip)


def oja_step(x: torch.Tensor, y: torch.Tensor, E: torch.Tensor, p: RuleParameters) -> torch.Tensor:
    """``E <- E + eta y (x - y E)``."""
    return torch.clamp(E + p.eta * oja_term(x, y, E), -p.clip, p.clip)


def bcm_theta_step(theta: torch.Tensor, y: torch.Tensor, p: RuleParameters) -> torch.Tensor:
    """BCM's sliding threshold: ``theta <- theta + (y^2 - theta) dt / tau_theta``."""
    return theta + (y * y - theta) * p.theta_rate


def bcm_step(x: torch.Tensor, y: torch.Tensor, E: torch.Tensor, p: RuleParameters,
             theta: torch.Tensor) -> torch.Tensor:
    """``E <- E + eta x y (y - theta)`` with the threshold ``theta`` of the step."""
    return torch.clamp(E + p.eta * bcm_term(x, y, theta), -p.clip, p.clip)


def term(rule: str, x: torch.Tensor, y: torch.Tensor, E: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """The increment ``D`` of ``rule`` (module docstring)."""
    if rule == "hebbian":
        return hebbian_term(x, y, E)
    if rule == "oja":
        return oja_term(x, y, E)
    if rule == "bcm":
        return bcm_term(x, y, theta)
    raise ValueError(f"unknown rule {rule!r}; rules: {', '.join(RULES)}")


def plastic_step(rule: str, modulation: str, x: torch.Tensor, y: torch.Tensor, s: RuleState, p: RuleParameters,
                 m: torch.Tensor | None = None) -> RuleState:
    """One step of ``rule`` with ``modulation`` (``none``, ``direct``, ``eligibility``);
    ``m`` ``(B,)``: the neuromodulator of the step (needed unless ``none``). BCM's threshold
    is updated after the step's increment (the increment reads the running mean so far)."""
    d = term(rule, x, y, s.E, s.theta)
    theta = bcm_theta_step(s.theta, y, p) if rule == "bcm" else s.theta
    if modulation == "none":
        return RuleState(torch.clamp(s.E + p.eta * d, -p.clip, p.clip), s.e, theta)
    mm = m.reshape(-1, 1, 1)
    if modulation == "direct":
        return RuleState(torch.clamp(s.E + mm * p.eta * d, -p.clip, p.clip), s.e, theta)
    if modulation == "eligibility":
        if rule == "hebbian":
            d = y.unsqueeze(-1) * x.unsqueeze(-2)  # the product y x alone (module docstring)
        e = s.e + p.eta_e * (d - s.e)
        return RuleState(torch.clamp(s.E + mm * e, -p.clip, p.clip), e, theta)
    raise ValueError(f"unknown modulation {modulation!r}; modulations: {', '.join(MODULATIONS)}")
