"""A designer's own device, declared in one file (examples/custom_device.py), gets the whole
pipeline through the registry; a component can never be characterized with another's circuit."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.library import registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "custom_device.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("custom_device_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses resolve their module by name
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.ngspice
def test_custom_device_example_matches_ngspice_within_1e_3():
    out = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    worst = float(out.stdout.strip().rsplit(" ", 1)[-1])
    assert worst <= 1e-3


@pytest.mark.ngspice
def test_user_device_is_fitted_as_itself(tmp_path):
    """The fitted surrogate is the user's law with its own values: the Joglekar window is not
    the Biolek one, and the fit recovers the user's design, not the library's."""
    from circuitsnn.fit.data import SimData
    from circuitsnn.fit.pipeline import fit_device

    mod = _load_example()
    comp = registry.get("memristor_joglekar")
    p = comp.default_params().replace(r_off=20e3)
    fit = fit_device(comp, p, SimData(cache_dir=tmp_path))
    assert fit.passed, fit.failures
    assert fit.model == "law:memristor_joglekar"
    assert abs(fit.parameters["r_off"] / 20e3 - 1) < 1e-3
    assert fit.parameters["p"] == pytest.approx(mod.JoglekarParams().p, rel=0.05)


def test_a_testbench_built_on_another_components_circuit_is_refused():
    """Registering a user device with the library's memristor testbenches (which render the
    library's own subcircuit) must not silently characterize the library device."""
    bio = registry.get("memristor_biolek")

    def my_subckt(p, named=False):
        sub = bio.subckt(p)
        return dataclasses.replace(sub, name="my_" + sub.name)

    comp = registry.Component(
        name="test_wrong_testbenches", kind="synapse", family="memristor", params_cls=bio.params_cls,
        subckt=my_subckt, testbenches=bio.testbenches, summary="test only", law=bio.law,
    )
    with pytest.raises(ValidationError, match="own subcircuit"):
        comp.testbench("spike")
    # built from its own subcircuit function it works
    from circuitsnn.library.synapses import memristor

    ok = dataclasses.replace(comp, testbenches=memristor.testbenches(
        my_subckt, iv=dict(freqs=(1.0,), amplitude=1.0, points=50),
        program=dict(amp_pot=1.0, amp_dep=-1.0, width=50e-3, count_pot=2, count_dep=2, v_read=0.05,
                     read_width=2e-3, edge_fraction=0.01),
        spike=dict(amplitude=1.0, width=1e-3, delay=1e-3)))
    tb = ok.testbench("spike")
    assert tb.deck.subckts[0].name.startswith("my_")


USER_MODULE = '''
from dataclasses import dataclass
from circuitsnn.library.registry import Component, register, components
from circuitsnn.library.synapses.common import spike_testbench
from circuitsnn.params import Params, quantity
from circuitsnn.spice.ir import D, R, Subckt


@dataclass(frozen=True, kw_only=True)
class DiodeSynParams(Params):
    prefix = "udio"
    r: float = quantity(10e3, unit="Ohm", doc="series resistance", gt=0)


def subckt(p):
    return Subckt(p.tag(), ("in", "out"), (R("R1", "in", "a", p.r), D("D1", "a", "out", "userdiode")))


def tb_spike(p, *, amplitude=1.0, width=1e-3, delay=1e-3):
    return spike_testbench("user diode synapse", subckt(p), ("in", "out"), amplitude=amplitude, width=width, delay=delay)


if "user_diode_synapse" not in {c.name for c in components()}:
    register(Component(name="user_diode_synapse", kind="synapse", family="user", params_cls=DiodeSynParams,
                       subckt=subckt, testbenches={"spike": tb_spike}, summary="a diode from the user's own model file"))
'''


@pytest.fixture
def clean_session():
    """--lib and --trust act for the whole process: undo them so other tests see plain decks."""
    from circuitsnn.spice import load

    libs, trusted = list(registry._SESSION_LIBS), list(load._SESSION_TRUSTED)
    yield
    registry._SESSION_LIBS[:] = libs
    load._SESSION_TRUSTED[:] = trusted


@pytest.mark.ngspice
def test_cli_takes_user_components_and_model_files(tmp_path, capsys, clean_session):
    """`--module` registers a user's component, `--lib` includes the user's model card in every
    testbench deck (and trusts its folder); without the card ngspice's error is reported."""
    from circuitsnn.cli.main import main

    mod = tmp_path / "my_devices.py"
    mod.write_text(USER_MODULE)
    lib_dir = tmp_path / "pdk"
    lib_dir.mkdir()
    (lib_dir / "user.lib").write_text(".model userdiode D(is=1e-14 n=1.2 rs=10)\n")
    assert main(["list", "user_diode_synapse", "--module", str(mod)]) == 0
    assert "a diode from the user's own model file" in capsys.readouterr().out
    out = tmp_path / "char"
    assert main(["characterize", "user_diode_synapse", "--module", str(mod), "--lib", str(lib_dir / "user.lib"),
                 "--out", str(out)]) == 0
    deck = (out / "spike.cir").read_text()
    assert "user.lib" in deck and "userdiode" in deck
    assert main(["list", "--module", str(tmp_path / "missing.py")]) == 1
    assert "does not exist" in capsys.readouterr().err
