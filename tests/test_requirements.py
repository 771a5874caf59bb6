"""Components' simulator settings travel with the generated library, and `circuitsnn simulate`
warns a deck that instantiates them with looser settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitsnn.spice import requirements

ROOT = Path(__file__).resolve().parents[1]


def _deck(tmp_path: Path, options: str, tran: str) -> Path:
    deck = tmp_path / "my_deck.cir"
    lib = ROOT / "netlists" / "neuron.lib"
    deck.write_text(
        "my network\n"
        f".include {lib}\n"
        "Vdd vdd 0 1.8\nI1 0 mem PWL(0 0 1u 20n)\n"
        f"X1 mem spk vdd 0 {_lif_name(lib)}\n"
        f"{options}\n{tran}\n.end\n"
    )
    return deck


def _lif_name(lib: Path) -> str:
    from circuitsnn.library import registry

    comp = registry.get("lif")
    return comp.subckt(comp.default_params()).name


def test_the_generated_library_carries_every_neurons_settings():
    from circuitsnn.library import registry

    text = (ROOT / "netlists" / "neuron.lib").read_text()
    req = requirements.requirements(text.splitlines())
    for comp in registry.components("neuron", builtin_only=True):
        name = comp.subckt(comp.default_params()).name.lower()
        assert name in req, comp.name
        for k, v in comp.sim_options.items():
            assert req[name][k] == str(v)


def test_looser_settings_are_named(tmp_path):
    loose = requirements.check(_deck(tmp_path, "", ".tran 1u 1m").read_text(), tmp_path)
    assert {f.setting for f in loose} == {"method", ".tran max step"}
    ok = requirements.check(_deck(tmp_path, ".options method=gear", ".tran 1u 1m 0 1u").read_text(), tmp_path)
    assert ok == []


def test_simulate_cli_warns(tmp_path, capsys):
    from circuitsnn.cli.main import main

    deck = _deck(tmp_path, "", ".tran 1u 1m")
    assert main(["simulate", str(deck), "--out", str(tmp_path / "out"), "--trust", str(ROOT / "netlists")] ) in (0, 1)
    err = capsys.readouterr().err
    assert "needs method gear" in err and "what to do" in err
