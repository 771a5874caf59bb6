"""Surrogates fitted to real ngspice runs and validated on held-out stimuli.

Each test fits one component's surrogate from its own testbenches and checks the fitted
parameters against the circuit's design values and the held-out metrics against the issue's
targets (devices: NRMSE <= 1 %; neurons: spike times within 1 % of the ISI, f-I within 2 %).
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest

from circuitsnn.library.registry import components, get
from circuitsnn.fit.data import SimData
from circuitsnn.fit.pipeline import fit_device
from circuitsnn.fit.neurons import NeuronProtocol, fit_neuron

pytestmark = pytest.mark.ngspice


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def test_every_registered_component_has_a_fitting_procedure():
    for comp in components(builtin_only=True):  # not the test-only components of other tests
        # neurons: fit_neuron; read interfaces have no surrogate (networks model them as ideal)
        assert comp.kind in ("neuron", "interface") or comp.resolve("fitter"), comp.name


def test_lif_surrogate_recovers_the_design_and_matches_held_out_spike_times(tmp_path):
    comp = get("lif")
    p = comp.default_params()
    fit = fit_neuron(comp, p, SimData(cache_dir=tmp_path), NeuronProtocol.quick())
    assert fit.passed, fit.failures
    v = fit.parameters
    assert _rel(v["tau_m"], p.tau) < 1e-3 and _rel(v["r_in"], p.r) < 1e-3
    assert _rel(v["v_th"], p.v_th) < 1e-3 and _rel(v["t_ref"], p.t_ref) < 1e-2
    assert abs(v["v_reset"] - p.v_reset) < 5e-3 and v["b"] == 0 and math.isinf(v["i_ref"])
    fi = fit.validation["fi"]
    assert fi["rel_err_max"] < 0.02 and fi["n_onset_mismatch"] == 0
    noisy = fit.validation["noisy_current"]
    assert noisy["n_spice"] > 20 and noisy["n_unpaired"] == 0
    assert noisy["gamma_mean"] > 0.95 and noisy["rel_err_p95"] < 0.01
    assert fit.extra["output_pulse"]["width"] == pytest.approx(p.t_spike, rel=0.02)


@pytest.mark.slow
def test_adaptive_lif_surrogate_finds_the_adaptation(tmp_path):
    comp = get("adaptive_lif")
    p = comp.default_params()
    fit = fit_neuron(comp, p, SimData(cache_dir=tmp_path), NeuronProtocol.quick())
    assert fit.passed, fit.failures
    assert _rel(fit.parameters["b"], p.b) < 0.02 and _rel(fit.parameters["tau_w"], p.tau_w) < 0.02


@pytest.mark.slow
def test_axon_hillock_effective_lif(tmp_path):
    comp = get("axon_hillock")
    p = comp.default_params()
    fit = fit_neuron(comp, p, SimData(cache_dir=tmp_path), NeuronProtocol.quick())
    v = fit.parameters
    # a soft (exponential) threshold of about a millivolt; where the exponential term equals the
    # input at the current scale it acts as a hard threshold at the inverter's switching point,
    # reset one hysteresis step below, active reset
    assert 1e-4 < v["delta_t"] < 5e-3
    v_eff = v["v_th"] + v["delta_t"] * math.log(v["r_in"] * p.current_scale() / v["delta_t"])
    assert _rel(v_eff, p.v_switch) < 0.05
    assert _rel(v_eff - v["v_reset"], p.dv_hyst) < 0.05
    assert _rel(v["i_ref"], p.i_pw) < 0.3
    assert fit.validation["fi"]["rel_err_max"] < 0.02
    # held-out spike timing under noisy currents: the hard threshold missed it (89.5 % of the
    # spikes within 1 % of the ISI with the full protocol)
    noisy = fit.validation["noisy_current"]
    assert noisy["n_unpaired"] == 0 and noisy["frac_within_target"] >= 0.95, noisy
    # ... against a reference shown converged, from the component's own (tighter) reltol: from
    # the protocol's 1e-5 three halvings never agreed within 0.2 % of the ISI (issue 9)
    conv = fit.extra["reference_convergence"]
    assert conv["converged"] and conv["reltol"] == comp.sim_options["reltol"], conv
    assert fit.passed, fit.failures


@pytest.mark.parametrize("name", [c.name for c in components("synapse", builtin_only=True)])
def test_device_surrogate_meets_held_out_nrmse(name, tmp_path):
    comp = get(name)
    fit = fit_device(comp, comp.default_params(), SimData(cache_dir=tmp_path))
    assert fit.passed, fit.failures
    assert fit.validation and all(m["nrmse"] <= 0.01 for m in fit.validation.values())
    assert all(r.r2 > 0.999 for r in fit.fits.values())


def test_device_fits_recover_design_values(tmp_path):
    data = SimData(cache_dir=tmp_path)
    opto = get("optocoupler")
    po = opto.default_params()
    f = fit_device(opto, po, data)
    assert _rel(f.parameters["tau_on"], po.tau_on) < 0.01 and _rel(f.parameters["tau_off"], po.tau_off) < 0.01
    assert _rel(f.parameters["gamma"], po.gamma) < 0.01
    # the LED: the diode primitive's own parameters (r_limit and, behind it, led_rs fixed)
    assert _rel(f.parameters["led_n"], po.led_n) < 0.01 and f.parameters["led_rs"] == po.led_rs
    vt = get("memristor_vteam")
    pv = vt.default_params()
    f = fit_device(vt, pv, data)
    assert _rel(f.parameters["v_on"], pv.v_on) < 0.01 and _rel(f.parameters["v_off"], pv.v_off) < 0.01
    assert _rel(f.parameters["alpha_on"], pv.alpha_on) < 0.05
    # the surrogate is the law itself: the asymmetric SET/RESET rates come back as designed
    assert _rel(f.parameters["k_on"], pv.k_on) < 0.05 and _rel(f.parameters["k_off"], pv.k_off) < 0.05
    assert f.extra["range_potentiation"]["levels"] > 10
    sg = get("schottky_gated")
    ps = sg.default_params()
    f = fit_device(sg, ps, data)
    # the law's own parameters; area and c_trap are fixed (only area*a_star, q0/c_trap, i_prog/c_trap show)
    assert f.parameters["c_trap"] == ps.c_trap and f.parameters["area"] == ps.area
    assert _rel(f.parameters["q0"], ps.q0) < 0.01 and abs(f.parameters["phi_b0"] - ps.phi_b0) < 1e-3
    assert _rel(f.parameters["a_star"], ps.a_star) < 0.01 and _rel(f.parameters["i_prog"], ps.i_prog) < 0.02
    # the junction primitive's ideality and series resistance (the forward I-V)
    assert _rel(f.parameters["n"], ps.n) < 0.01 and _rel(f.parameters["r_s"], ps.r_s) < 0.05



def test_cli_fit_writes_model_plots_provenance_and_reuses_the_cache(tmp_path, capsys):
    from circuitsnn.cli.main import main
    from circuitsnn.spice.render import render

    out = tmp_path / "models"
    cache = str(tmp_path / "cache")
    assert main(["fit", "digital_code", "--out", str(out), "--cache", cache]) == 0
    data = json.loads((out / "digital_code.json").read_text())
    assert data["passed"] is True and data["model"] == "law:digital_code_read"
    assert set(data["parameters"]) == {"g_b0", "g_b1", "g_b2", "g_b3", "beta"}
    prov = data["provenance"]
    assert prov["ngspice_version"] and prov["date"].endswith("Z")
    comp = get("digital_code")
    tb = comp.testbench("levels", comp.default_params(), v_read=0.1)
    assert prov["decks"]["fit_levels_0.1V"] == hashlib.sha256(render(tb.deck).encode()).hexdigest()
    assert len(list((out / "plots").glob("digital_code_*.png"))) >= 3
    capsys.readouterr()
    assert main(["fit", "digital_code", "--out", str(out), "--cache", cache, "--no-plots"]) == 0
    assert "0 run" in capsys.readouterr().out  # every simulation came from the cache


def test_cli_refuses_a_surrogate_that_misses_its_target_unless_forced(tmp_path, monkeypatch, capsys):
    import circuitsnn.fit.common as dev
    from circuitsnn.cli.main import main

    monkeypatch.setattr(dev, "DEVICE_NRMSE_TARGET", 0.0)  # no surrogate is exact: every held-out curve misses
    out = tmp_path / "m"
    cache = str(tmp_path / "cache")
    assert main(["fit", "digital_code", "--out", str(out), "--cache", cache, "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert "not saved" in err and "held-out" in err and "--force" in err
    assert not (out / "digital_code.json").exists()
    assert main(["fit", "digital_code", "--out", str(out), "--cache", cache, "--no-plots", "--force"]) == 0
    data = json.loads((out / "digital_code.json").read_text())
    assert data["passed"] is False and data["forced"] is True and data["failures"]


def test_monte_carlo_variation_of_a_device(tmp_path):
    from circuitsnn.fit.montecarlo import monte_carlo, varied_fields

    comp = get("digital_code")
    p = comp.default_params()
    assert "g_lsb" in varied_fields(p) and "bits" not in varied_fields(p)
    mc = monte_carlo(comp, p, SimData(cache_dir=tmp_path), n=4, sigma=0.05, seed=1, fields=["g_lsb"])
    assert mc["n_passed"] == 4 and len(mc["devices"]) == 4
    # the LSB conductance carries the drawn spread (5 % log-normal) one to one
    drawn = np.array([d["g_lsb"] for d in mc["device_params"]])
    fitted = np.array([d["g_b0"] for d in mc["devices"]])
    assert np.allclose(fitted / drawn, fitted[0] / drawn[0], rtol=1e-3)
    assert 0.005 < mc["parameters"]["g_b0"]["cv"] < 0.2
