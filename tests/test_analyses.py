"""Every small-signal analysis ngspice runs, from the IR and from loaded decks, against physics:
an RC low-pass's -3 dB point and phase, its kT/C noise, the poles of an RLC, .tf and .sens."""

import math

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.spice import Ac, C, Deck, L, Noise, Pz, R, Tf, V, render, simulate
from circuitsnn.spice.ir import I

pytestmark = pytest.mark.ngspice

K_BOLTZMANN = 1.380649e-23
T_KELVIN = 300.15  # ngspice's default 27 degC


def rc(r=1e3, c=1e-6, *analyses) -> Deck:
    return Deck(
        "rc low-pass",
        elements=(V("vin", "in", "0", 0.0, ac=1), R("r1", "in", "out", r), C("c1", "out", "0", c)),
        analyses=analyses,
    )


def test_ac_of_an_rc_low_pass_is_complex_with_its_corner_where_theory_puts_it():
    fc = 1 / (2 * math.pi * 1e3 * 1e-6)
    res = simulate(rc(1e3, 1e-6, Ac(fstart=1, fstop=1e5, points=50)))
    f, h = res.ac.frequency, res.ac["out"]
    assert h.dtype == np.complex128 and f.dtype == np.float64  # the frequency is real, h complex
    expected = 1 / (1 + 1j * f / fc)
    assert np.max(np.abs(h - expected)) < 1e-9
    assert res.ac.units["v(out)"] == "V" and res.ac.axis_unit == "Hz"
    # -3 dB and -45 degrees at fc
    mag_db = np.interp(fc, f, 20 * np.log10(np.abs(h)))
    assert mag_db == pytest.approx(-3.0103, abs=0.01)
    assert np.degrees(np.interp(fc, f, np.unwrap(np.angle(h)))) == pytest.approx(-45, abs=0.2)


def test_noise_of_an_rc_integrates_to_kT_over_C():
    c = 1e-9
    res = simulate(rc(1e3, c, Noise(output="out", source="vin", fstart=1, fstop=1e9, points=20)))
    total = res.plot("noise_total").value("onoise_total")
    assert total == pytest.approx(math.sqrt(K_BOLTZMANN * T_KELVIN / c), rel=0.01)
    spectrum = res.noise["onoise_spectrum"]
    assert res.noise.units["onoise_spectrum"] == "V/√Hz"
    # white below the corner: sqrt(4 k T R)
    assert spectrum[0] == pytest.approx(math.sqrt(4 * K_BOLTZMANN * T_KELVIN * 1e3), rel=1e-3)


def test_poles_of_an_rlc_are_complex_named_and_in_rad_per_s():
    r, ind, c = 10.0, 1e-3, 1e-6
    deck = Deck(
        "series rlc",
        elements=(V("vin", "in", "0", 0.0, ac=1), R("r1", "in", "a", r), L("l1", "a", "out", ind), C("c1", "out", "0", c)),
        analyses=(Pz("in", "0", "out", "0", "vol", "pz"),),
    )
    res = simulate(deck)
    poles = np.sort_complex(res.poles)
    expected = np.sort_complex(np.roots([ind * c, r * c, 1.0]))
    assert poles.dtype == np.complex128 and len(poles) == 2
    assert np.allclose(poles, expected, rtol=1e-6)
    assert "pole(1)" in res.pz.signals and res.pz.units["pole(1)"] == "rad/s"
    assert not any(k.startswith("v(") for k in res.pz.signals)  # not "v(pole(1))" in volts
    assert len(res.zeros) == 0


def test_tf_gives_gain_and_resistances():
    deck = Deck(
        "divider",
        elements=(V("vin", "in", "0", 1.0), R("r1", "in", "out", 3e3), R("r2", "out", "0", 1e3)),
        analyses=(Tf("out", "vin"),),
    )
    tf = simulate(deck).plot("tf")
    assert tf.value("transfer_function") == pytest.approx(0.25)
    assert tf.value("vin#input_impedance") == pytest.approx(4e3)
    assert tf.value("output_impedance_at_v(out)") == pytest.approx(750.0)
    assert tf.units["vin#input_impedance"] == "Ohm"


@pytest.mark.parametrize("line, plot", [(".pz in 0 out 0 vol pz", "pz"), (".sens v(out)", "sens"), (".tf v(out) v1", "tf")])
def test_loaded_decks_with_only_a_small_signal_analysis_run(tmp_path, line, plot):
    """These were refused as 'no analysis (.tran, .dc or .op)'."""
    path = tmp_path / "d.cir"
    path.write_text(f"small signal\nv1 in 0 dc 1 ac 1\nr1 in out 1k\nc1 out 0 1u\nr2 out 0 1k\n{line}\n.end\n")
    res = simulate(path)
    assert [p.analysis for p in res.plots] == [plot]
    if plot == "sens":  # d v(out) / d r2 = v1 * r1 / (r1 + r2)^2
        assert res.plot("sens").value("r2") == pytest.approx(1e3 / 2e3**2, rel=1e-6)


def test_ac_and_pz_round_trip_through_netcdf_as_complex(tmp_path):
    import xarray as xr

    res = simulate(rc(1e3, 1e-6, Ac(1, 1e4, 5), Pz("in", "0", "out", "0")))
    path = res.to_netcdf(tmp_path / "r.nc")
    ac = xr.open_dataset(path, engine="h5netcdf", group="ac")
    assert ac["v(out)"].dtype == np.complex128
    assert np.array_equal(ac["v(out)"].values, res.ac["out"])
    assert np.array_equal(ac["frequency"].values, res.ac.frequency)
    pz = xr.open_dataset(path, engine="h5netcdf", group="pz")
    assert complex(pz["pole(1)"].values) == res.poles[0]
    assert pz["pole(1)"].attrs["units"] == "rad/s" and pz["pole(1)"].attrs["ngspice_name"] == "v(pole(1))"


def test_shared_backend_names_the_same_results_the_same_way():
    deck = rc(1e3, 1e-6, Ac(1, 1e4, 5), Noise("out", "vin", 1, 1e4, 2), Tf("out", "vin"), Pz("in", "0", "out", "0"))
    batch = simulate(deck)
    shared = simulate(deck, backend="shared")
    assert [p.analysis for p in shared.plots] == [p.analysis for p in batch.plots]
    for a, b in zip(batch.plots, shared.plots):
        assert set(a.signals) == set(b.signals), a.analysis
        assert {k: a.units[k] for k in a.signals} == {k: b.units[k] for k in a.signals}
        for k in a.signals:
            assert np.allclose(a.signals[k], b.signals[k], rtol=1e-12, atol=0), (a.analysis, k)


def test_ir_renders_small_signal_analyses_and_ac_sources():
    deck = Deck(
        "t",
        elements=(V("vin", "in", "0", 0.5, ac=1, ac_phase=90), I("iin", "0", "in", ac=1e-6), R("r1", "in", "0", 1e3)),
        analyses=(Ac(1, 1e6, 10, "oct"), Noise("v(in,0)", "vin", 10, 1e3, 5, summary=2), Tf("i(vin)", "vin"), Pz("in", "0", "in", "0", "cur", "pol")),
    )
    text = render(deck)
    assert "vin in 0 500m AC 1 90\n" in text and "iin 0 in 0 AC 1u\n" in text
    assert ".ac oct 10 1 1meg\n" in text
    assert ".noise v(in,0) vin dec 5 10 1k 2\n" in text
    assert ".tf i(vin) vin\n" in text and ".pz in 0 in 0 cur pol\n" in text


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda: Ac(1e3, 1.0), "fstart <= fstop"),
        (lambda: Ac(1, 1e3, 0), "whole number >= 1"),
        (lambda: Ac(1, 1e3, 10, "log"), "'dec', 'oct' or 'lin'"),
        (lambda: Noise("i(v1)", "v1", 1, 10), "node voltage"),
        (lambda: Noise("out", "r1", 1, 10), "V or I source"),
        (lambda: Pz("a", "0", "b", "0", "gain"), "'vol' or 'cur'"),
        (lambda: R("r1", "a", "0", 1.0).__class__("r2", ("a", "0"), 1.0, ac=1), "only independent sources"),
    ],
)
def test_bad_small_signal_input_is_named(make, needle):
    with pytest.raises(ValidationError, match=needle):
        make()
