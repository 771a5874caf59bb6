"""Each synapse family's physics written once: the law run on torch equals SPICE on the
component's own testbenches, and every closed form the surrogates keep (the Schottky trapping
integral, the optocoupler's exact relaxation, the LED diode's Lambert-W form) equals what it
approximates (the integrated law, the ngspice diode primitive)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from circuitsnn.library import registry
from circuitsnn.physics import MATH, NUMPY, TORCH, values_of
from circuitsnn.physics.constants import K_OVER_Q, T0_KELVIN, T_NOMINAL
from circuitsnn.physics.expr import Input, P, State, distribute_scale, evaluate, ramp, to_spice
from circuitsnn.physics.law import Branch, Law, StateVar
from circuitsnn.spice import simulate
from circuitsnn.surrogates import digital_code as Dg
from circuitsnn.surrogates import optocoupler as O
from circuitsnn.physics import schottky as SP
from circuitsnn.surrogates import schottky as S
from circuitsnn.surrogates.device import replay
from circuitsnn.surrogates.diode import diode_series_current, lambertw_exp
from circuitsnn.surrogates.waveforms import source_points

D = torch.float64
SCHOTTKY = registry.get("schottky_gated")
OPTO = registry.get("optocoupler")


def _t(x):
    return torch.as_tensor(np.asarray(x, dtype=float), dtype=D)


# -- machinery extensions ------------------------------------------------------------------------


def test_distribute_scale_equals_the_scaled_expression_and_cancels_state_scales():
    g = State("g", scale=1e3)
    h = State("h", node="hh", scale=1e3)
    u = Input("u", "v(u)")
    expr = (h - g) * (1 / P.tau) + ramp(h - g) * P.k + P.c * u**0.5 - g / P.tau + P.c
    scaled = distribute_scale(expr, 1e3)
    text = to_spice(scaled, {"tau": 2e-3, "k": 3.0, "c": 4e-6})
    assert "1m" not in text and "1k" not in text  # the factor cancelled or folded into constants
    # equal to 1e3 * expr when the scaled states read their node voltages (v = 1e3 * value)
    rng = np.random.default_rng(0)
    for _ in range(5):
        gv, hv, uv = rng.uniform(0, 1e-3, 3)
        env = {"tau": 2e-3, "k": 3.0, "c": 4e-6, "u": uv}
        want = 1e3 * evaluate(expr, {**env, "g": gv, "h": hv}, MATH)
        got = evaluate(scaled, {**env, "g": 1e3 * gv, "h": 1e3 * hv}, MATH)
        assert got == pytest.approx(want, rel=1e-12)


def test_law_refuses_an_input_named_like_a_parameter():
    from circuitsnn.errors import ValidationError

    x = State("x")
    with pytest.raises(ValidationError, match="v_erase"):
        Law("bad", ("in", "out"), (Branch("b", "in", "out", x * P.g),),
            (StateVar(x, -x * (Input("v_erase", "v(erase)") - P.v_erase)),))


# -- gated Schottky synapse ----------------------------------------------------------------------


def test_schottky_analytic_companions_evaluate_the_law():
    p = SCHOTTKY.default_params()
    v = values_of(p)
    d = np.array([0.0, 0.05, 0.1])
    i = SP.read_current({**v, "v": 1.0, "v_gate": 0.0, "dphi": d, "temp": 350.0}, NUMPY)
    nvt = p.n * K_OVER_Q * 350.0
    # reverse saturation: r_s drops microvolts, so the diode's own factor is all that remains
    assert i == pytest.approx(p.saturation_current(d, temp_c=350.0 - T0_KELVIN, v_r=1.0) * (1 - math.exp(-1 / nvt)), rel=1e-9)
    assert p.read_current(v_r=1.0, dphi=d, temp_c=350.0 - T0_KELVIN) == pytest.approx(i, rel=1e-12)
    assert p.linearity_exponent() == pytest.approx(p.q0 / (p.c_trap * K_OVER_Q * T_NOMINAL), rel=1e-12)


def test_schottky_junction_card_gives_richardson_and_the_lowering_multiplies_it():
    """The primitive's own temperature law with xti = 2n, eg = n phi_b0 is Richardson's
    area A** T^2 exp(-phi_b0/kT) for any ideality; the behavioural branch adds (M - 1) times the
    replica's current, M = exp(lowering / VT)."""
    from circuitsnn.physics.diode import ngspice_saturation_current

    for n in (1.0, 1.05, 1.4):
        p = SCHOTTKY.default_params().replace(n=n)
        card = SP.JUNCTION.evaluate(values_of(p))
        assert (card["xti"], card["eg"]) == pytest.approx((2 * n, n * p.phi_b0), rel=1e-12)
        temps = np.array([250.0, 300.15, 333.0, 373.0])
        spice_is = ngspice_saturation_current(card["is"], temps, n=card["n"], xti=card["xti"], eg=card["eg"],
                                              tnom_k=card["tnom"] + T0_KELVIN)
        assert spice_is == pytest.approx(p.saturation_current(0.0, temp_c=temps - T0_KELVIN), rel=1e-12)
    v = values_of(SCHOTTKY.default_params())
    env = {**v, "v": 0.7, "v_gate": 1.5, "dphi": 0.05, "temp": 310.0, "i_r": -2e-9}
    m = math.exp((v["alpha_g"] * 1.5 + 0.05 + v["eta"] * 0.7) / (K_OVER_Q * 310.0))
    assert SCHOTTKY.law.current(env, MATH) == pytest.approx((m - 1) * -2e-9, rel=1e-12)


def test_schottky_forward_branch_is_the_diode_with_series_resistance():
    """No forward clamp: forward bias follows the junction's exponential (ideality n) and bends
    at r_s, the closed form solving I = I_s (exp((V - I r_s)/(n VT)) - 1)."""
    p = SCHOTTKY.default_params()
    v_fwd = np.array([0.1, 0.3, 0.5, 0.8])
    i = -p.read_current(v_r=-v_fwd, dphi=0.04)  # forward current, out -> in
    i_s = p.saturation_current(0.04, v_r=-v_fwd)
    assert i == pytest.approx(i_s * np.expm1((v_fwd - i * p.r_s) / (p.n * K_OVER_Q * T_NOMINAL)), rel=1e-9)
    assert i[-1] > 1e-4 and i[-1] < v_fwd[-1] / p.r_s  # no plateau: milliamps, limited by r_s


@pytest.mark.parametrize("v_gate", [4.0, 6.0, 8.0, 8.7])
@pytest.mark.parametrize("dt", [1e-7, 10e-6, 1e-3])
def test_schottky_closed_form_trapping_equals_the_integrated_law(v_gate, dt):
    """The torch surrogate's closed form vs the law's rate integrated finely (RK4)."""
    v = values_of(SCHOTTKY.default_params())
    for d0 in (0.0, 0.04):
        closed = S.program(d0, v_gate, dt, v, MATH)
        law = SCHOTTKY.law.advance({"dphi": d0}, {**v, "v_gate": v_gate, "v_erase_in": 0.0}, dt, MATH, substeps=4000)["dphi"]
        assert closed == pytest.approx(law, rel=1e-9, abs=1e-15)
    # erase: the exact discharge vs the law
    closed = S.erase(0.05, 5.0, 3e-6, v, MATH)
    law = SCHOTTKY.law.advance({"dphi": 0.05}, {**v, "v_gate": 0.0, "v_erase_in": 5.0}, 3e-6, MATH, substeps=400)["dphi"]
    assert closed == pytest.approx(law, rel=1e-9)
    assert S.erase(0.05, 1.0, 1.0, v, MATH) == 0.05  # below the erase threshold nothing happens


def test_schottky_trapping_is_logarithmic_and_the_module_is_differentiable():
    v = values_of(SCHOTTKY.default_params())
    vq = v["q0"] / v["c_trap"]
    d, ds = 0.0, []
    for _ in range(5):
        d = S.program(d, 8.0, 10e-6, v, MATH)
        ds.append(d)
    e = np.exp(np.array(ds) / vq)
    assert np.allclose(np.diff(e), e[0] - 1.0, rtol=1e-9)  # exp(dphi/v_q) grows by the same step per pulse
    mod = S.SchottkySynapse(v, dt=10e-6, learn=("phi_b0", "i_prog"))

    def f(v_r, v_g, dphi):
        i, s = mod(v_r, v_g, torch.zeros_like(v_r), dphi)
        return i * 1e9, s

    args = (torch.tensor([0.5, 1.0], dtype=D, requires_grad=True), torch.tensor([2.0, 8.0], dtype=D, requires_grad=True),
            torch.tensor([0.0, 0.05], dtype=D, requires_grad=True))
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-6, rtol=1e-4)
    i, _ = mod(torch.tensor([1.0], dtype=D), torch.tensor([8.0], dtype=D))
    i.sum().backward()
    assert mod.phi_b0.grad is not None and mod.i_prog.grad is not None


@pytest.mark.ngspice
def test_schottky_law_on_torch_equals_spice_read_and_programming():
    p = SCHOTTKY.default_params()
    v = values_of(p)
    law = SCHOTTKY.law
    # read: every temperature and stored state of the temperature testbench (ngspice's diode
    # primitive with its own temperature law against the closed form on torch)
    tb = SCHOTTKY.testbench("temperature", p)
    r = tb.measure(simulate(tb.deck))
    tk, dd = np.meshgrid(r["temp"] + T0_KELVIN, [0.0, 0.05, 0.1, 0.15, 0.2], indexing="ij")
    i = S.read(1.0, 0.0, _t(dd), v, _t(tk))
    assert i.numpy() == pytest.approx(r["i"], rel=2e-4)
    # I-V: forward within 1e-3; reverse within 0.5 % (ngspice replaces the reverse exponential
    # beyond -3 n VT by a cubic tail, 0.4 % off at 0.14 V, 2.7e-5 at the 1 V read)
    tb = SCHOTTKY.testbench("iv", p)
    r = tb.measure(simulate(tb.deck))
    for k, d in enumerate(r["dphi"]):
        model = S.read(_t(r["v"]), 0.0, float(d), v).numpy()
        fwd, rev = r["v"] < -0.01, r["v"] > 0.01
        assert model[fwd] == pytest.approx(r["i"][k][fwd], rel=1e-3)
        assert model[rev] == pytest.approx(r["i"][k][rev], rel=5e-3)
    # programming: 32 gate pulses, then an erase pulse; the law integrated on torch
    tb = SCHOTTKY.testbench("program", p)
    res = simulate(tb.deck)
    m = tb.measure(res)
    width, period, edge = 10e-6, 20e-6, 0.1e-6
    t_read = np.append((period - width) + np.arange(33) * period - 2 * edge, tb.deck.tran.stop - period / 4)
    dphi = replay(law, v, {"v_gate": source_points(tb.deck, "Vg"), "v_erase_in": source_points(tb.deck, "Ve")},
                  {"dphi": 0.0}, t_read, max_dt=width / 8, ramp_substeps=16, backend=TORCH)["dphi"]
    dphi = torch.as_tensor(np.asarray(dphi), dtype=D)
    i = S.read(1.0, 0.0, dphi, v).numpy()
    spice = np.append(m["i_read"], m["i_erased"])
    # 7.7e-4 at most: SPICE's own step error through the 0.1 us gate edges (1.2e-4 at a 10 ns
    # max step); the injection rate is exp((V_gate - 8 V)/0.5 V), steep on the edges
    assert i == pytest.approx(spice, rel=1e-3)


# -- optocoupler ---------------------------------------------------------------------------------


def test_lambertw_matches_scipy_and_has_the_implicit_derivative():
    from scipy.special import lambertw

    y = torch.tensor([-30.0, -2.0, 0.0, 1.5, 10.0, 90.0], dtype=D, requires_grad=True)
    w = lambertw_exp(y)
    ref = np.real(lambertw(np.exp(y.detach().numpy())))
    assert np.allclose(w.detach().numpy(), ref, rtol=1e-12)
    (g,) = torch.autograd.grad(w.sum(), y)
    assert torch.allclose(g, w / (1 + w), rtol=1e-12)


def test_diode_series_current_solves_the_diode_equation():
    v = torch.linspace(0.5, 5.0, 10, dtype=D)
    i = diode_series_current(v, 1e-19, 0.0517, 160.0)
    vd = v - i * 160.0
    assert torch.allclose(i, 1e-19 * torch.expm1(vd / 0.0517), rtol=1e-9)


@pytest.mark.ngspice
def test_led_closed_form_equals_the_ngspice_diode_and_the_law_equals_spice():
    p = OPTO.default_params()
    v = values_of(p)
    tb = OPTO.testbench("transfer", p)
    r = tb.measure(simulate(tb.deck))
    i_model = O.led_current(_t(r["v_led"]), v).numpy()
    lit = r["i_led"] > 1e-7
    assert i_model[lit] == pytest.approx(r["i_led"][lit], rel=1e-4)
    # everywhere, up to ngspice's gmin (1e-12 S across the junction, which the closed form omits)
    assert np.all(np.abs(i_model - r["i_led"]) <= 1e-12 * r["v_led"] + 1e-4 * np.abs(r["i_led"]) + 1e-15)
    # the law's G_ss of the measured LED current (torch) is SPICE's conductance
    # (1.0e-3 at most: ngspice's DC Newton tolerance, reltol 1e-3 on v(g))
    g = O.g_steady_of_current(_t(r["i_led"]), v, TORCH).numpy()
    assert g == pytest.approx(r["g"], rel=2e-3)
    assert p.g_steady(r["i_led"]) == pytest.approx(g, rel=1e-12)


@pytest.mark.ngspice
def test_optocoupler_law_on_torch_equals_spice_through_an_led_pulse_train():
    """The law driven by the LED current SPICE measured: G(t) through 10 LED pulses."""
    p = OPTO.default_params()
    v = values_of(p)
    tb = OPTO.testbench("program", p)
    tr = simulate(tb.deck).tran
    t = np.asarray(tr.time)
    i_led = np.stack([t, -np.asarray(tr.i("Vled"))], axis=1)
    g_spice = np.asarray(tr.i("Vout")) / 0.1
    ts = np.linspace(0, t[-1], 400)
    g0 = float(O.g_steady_of_current(0.0, v, MATH))
    g = np.asarray(replay(OPTO.law, v, {"i_led": i_led}, {"g": g0}, ts, backend=TORCH, max_dt=1e-5)["g"])
    assert np.max(np.abs(g - np.interp(ts, t, g_spice))) / np.ptp(g_spice) < 1e-3


@pytest.mark.parametrize("g0,g_ss", [(1e-4, 1e-3), (1e-3, 2e-5), (5e-4, 5e-4)])
@pytest.mark.parametrize("dt", [1e-5, 1e-3, 0.1])
def test_optocoupler_exact_relaxation_equals_the_integrated_law(g0, g_ss, dt):
    v = values_of(OPTO.default_params())
    g1, g_mean = O.relax(g0, g_ss, dt, v)
    law = OPTO.law.state("g").rate
    n = 4000
    h = dt / n
    g, acc = g0, 0.0
    for _ in range(n):  # RK4 of the law's own rate with G_ss held
        def f(x):
            return evaluate(law, {**v, "g_ss": g_ss, "g": x}, MATH)

        k1 = f(g)
        k2 = f(g + 0.5 * h * k1)
        k3 = f(g + 0.5 * h * k2)
        k4 = f(g + h * k3)
        g_new = g + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        acc += 0.5 * (g + g_new) * h
        g = g_new
    assert g1 == pytest.approx(g, rel=1e-9)
    assert g_mean == pytest.approx(acc / dt, rel=1e-6)
    # the same on torch and on numpy arrays
    t1, _ = O.relax(torch.tensor([g0], dtype=D), torch.tensor([g_ss], dtype=D), dt, v)
    n1, _ = O.relax(np.array([g0]), np.array([g_ss]), dt, v)
    assert float(t1[0]) == pytest.approx(g1, rel=1e-12) and float(n1[0]) == pytest.approx(g1, rel=1e-12)


def test_opto_step_gradcheck_and_exact_relaxation():
    v = values_of(OPTO.default_params())
    g0 = torch.tensor([1e-4, 2e-3], dtype=D)
    v_led = torch.tensor([3.0, 0.5], dtype=D)
    vr = torch.tensor(0.1, dtype=D)
    _, s1 = O.opto_step((vr, v_led), g0, v, 1e-3)
    _, s2 = O.opto_step((vr, v_led), g0, v, 5e-4)
    _, s2 = O.opto_step((vr, v_led), s2, v, 5e-4)
    assert torch.allclose(s1, s2, rtol=1e-12)  # exact: two half steps are one full step
    mod = O.OptoSynapse(v, dt=1e-3, learn=("k_photo", "gamma", "tau_on", "tau_off"))

    def f(v_read, v_led, g_ms):
        i, s = mod(v_read, v_led, g_ms * 1e-3)
        return i * 1e3, s * 1e3

    args = (torch.tensor([0.1, -0.2], dtype=D, requires_grad=True), torch.tensor([3.0, 2.4], dtype=D, requires_grad=True),
            torch.tensor([0.1, 2.0], dtype=D, requires_grad=True))
    assert torch.autograd.gradcheck(f, args, eps=1e-6, atol=1e-6, rtol=1e-4)
    i, _ = mod(torch.tensor([0.1], dtype=D), torch.tensor([3.0], dtype=D))
    i.sum().backward()
    assert all(getattr(mod, k).grad is not None for k in ("k_photo", "gamma", "tau_on"))


# -- digital code ----------------------------------------------------------------------------------


def test_digital_read_law_is_linear_in_the_bits_and_differentiable():
    p = {"g_b0": 1e-6, "g_b1": 2e-6, "g_b2": 4e-6, "g_b3": 8e-6, "beta": 0.01}
    bits = Dg.code_to_bits(torch.arange(16), 4)
    i = Dg.digital_current(torch.tensor(0.1, dtype=D), bits, p)
    assert torch.allclose(i, torch.arange(16, dtype=D) * 1e-7 * 1.001, rtol=1e-12)
    soft = torch.full((4,), 0.5, dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(lambda b: Dg.digital_current(torch.tensor(0.3, dtype=D), b, p) * 1e6, (soft,))


@pytest.mark.ngspice
@pytest.mark.parametrize("name", ["digital_code", "digital_code_bitlines"])
def test_digital_read_law_with_fitted_values_equals_spice(name, tmp_path):
    """The read law is a surrogate of a transistor-level circuit: fitted, it reproduces every
    code at a held-out read voltage on torch."""
    from circuitsnn.fit.data import SimData
    from circuitsnn.fit.digital_code import fit_digital

    comp = registry.get(name)
    p = comp.default_params()
    fit = fit_digital(comp, p, SimData(cache_dir=tmp_path))
    tb = comp.testbench("levels", p, v_read=0.3)
    g_spice = tb.measure(simulate(tb.deck))["g"]
    mod = Dg.DigitalSynapse(fit.parameters)
    i = mod.code_current(torch.tensor(0.3, dtype=D), torch.arange(16)).detach().numpy()
    assert i[1:] / 0.3 == pytest.approx(g_spice[1:], rel=1e-3)
    # the Params' hand-analysis estimate of the switch error stays an estimate, within 5 %
    eps = 1 - fit.parameters["g_b0"] / p.g_lsb
    assert eps == pytest.approx(p.lsb_error(), rel=0.05)


# -- modules from stored surrogates ------------------------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in registry.components("synapse", builtin_only=True)])
def test_every_synapse_module_loads_from_a_stored_model(name, tmp_path):
    from circuitsnn.surrogates.artifacts import SurrogateModel, save_model
    from circuitsnn.surrogates.modules import from_model

    comp = registry.get(name)
    p = comp.default_params()
    params = (p.design_bit_conductances() if comp.family == "digital_code"
              else {k: v for k, v in values_of(p).items()})
    path = save_model(SurrogateModel(name=name, kind="synapse", family=comp.family, model="x", parameters=params,
                                     passed=True), tmp_path)
    mod = from_model(path)
    one = torch.tensor([0.1], dtype=D)
    if comp.family == "memristor":
        i, s = mod({"v": one}, {"x": torch.tensor([0.3], dtype=D)})
    elif comp.family == "schottky":
        i, s = mod(one, torch.tensor([8.0], dtype=D))
    elif comp.family == "optocoupler":
        i, s = mod(one, torch.tensor([3.0], dtype=D))
    else:
        i = mod.code_current(one, torch.tensor([5]))
    assert torch.isfinite(i).all() and float(i.abs().sum()) > 0


def test_memristor_law_module_steps_and_stays_bounded():
    comp = registry.get("memristor_vteam")
    from circuitsnn.surrogates.device import LawModule

    mod = LawModule.from_values(comp, values_of(comp.default_params()), dt=1e-6, learn=("k_on",))
    x = torch.tensor([0.2, 0.99], dtype=D)
    for _ in range(50):
        i, st = mod({"v": torch.tensor([1.5, 1.5], dtype=D)}, {"x": x})
        x = st["x"]
    assert float(x.detach().max()) <= 1.0 and float(x.detach().min()) > 0.2
    i.sum().backward()
    assert mod.k_on.grad is not None
