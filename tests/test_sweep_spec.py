"""Sweep specs: TOML and Python give the same plan; every bad input is refused up front with
the TOML line and what to do. No simulator needed (decks are built, not run)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import test_sweep_support  # noqa: F401  (registers the sweep_rc test component)
from circuitsnn.errors import ValidationError
from circuitsnn.spice.ir import Tran
from circuitsnn.sweep import Corners, Mismatch, MonteCarlo, SweepSpec, linspace, logspace
from circuitsnn.sweep.spec import find_line

HEAD = """\
[sweep]
component = "sweep_rc"
testbench = "pulses"
"""


def spec_of(body: str) -> SweepSpec:
    return SweepSpec.from_toml_text(HEAD + textwrap.dedent(body))


def error_of(body: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        spec_of(body).plan()
    return info.value


def line_of(body: str, needle: str) -> int:
    text = HEAD + textwrap.dedent(body)
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_full_spec_plans_the_product_in_documented_order():
    body = """
    [stimulus]
    n = 3
    [params]
    c = "2n"
    [grid]
    r = { logspace = [1e2, 1e5, 4] }
    period = [1e-5, 2e-5]
    [corners]
    temperature = [-40, 27, 125]
    supply = { param = "vdd", nominal = 1.0, tolerance = 0.1 }
    process.slow = { c = 2.2e-9 }
    process.fast = { c = 1.8e-9 }
    [montecarlo]
    n = 4
    seed = 7
    mismatch.r = { sigma = 0.05 }
    [measures.spikes]
    measure = "spike_count"
    signal = "out"
    threshold = "0.5"
    """
    plan = spec_of(body).plan()
    assert plan.dims == ("r", "period", "process", "temperature", "vdd", "sample")
    assert plan.shape == (4, 2, 2, 3, 3, 4)
    assert plan.size == 4 * 2 * 2 * 3 * 3 * 4
    np.testing.assert_allclose(plan.axes[0].values, [1e2, 1e3, 1e4, 1e5], rtol=1e-12)
    np.testing.assert_allclose(plan.axes[4].values, [0.9, 1.0, 1.1])
    assert plan.axes[0].unit == "Ohm" and plan.axes[0].kind == "param"
    assert plan.axes[1].kind == "stimulus"
    assert plan.measures["spikes"].args["threshold"] == 0.5  # SPICE number text parsed
    pts = list(plan.points())
    assert len(pts) == plan.size
    p = pts[-1]
    assert p.coords["process"] == "fast" and p.params["c"] == 1.8e-9  # corner overrides fixed c
    assert p.temperature == 125.0 and p.params["vdd"] == pytest.approx(1.1)
    assert p.stimulus == {"n": 3, "period": 2e-5}
    # random access (used when a point is submitted) gives the same points
    for i in (0, 1, 17, plan.size // 2, plan.size - 1):
        assert plan.point(i) == pts[i]
    # the temperature reaches the deck, the analysis is the testbench's
    _tb, deck = plan.build(p)
    assert deck.temp == 125.0


def test_python_spec_equals_toml_spec():
    toml = spec_of(
        """
        [grid]
        r = { linspace = [1e3, 3e3, 3] }
        [corners]
        temperature = [0, 50]
        [montecarlo]
        n = 2
        seed = 3
        mismatch.c = { dist = "uniform", half_width = 1e-10, relative = false }
        [analysis]
        tran = { step = "1u", stop = "20u" }
        """
    ).plan()
    py = SweepSpec(
        component="sweep_rc",
        testbench="pulses",
        grid={"r": linspace(1e3, 3e3, 3)},
        corners=Corners(temperature=[0, 50]),
        montecarlo=MonteCarlo(n=2, seed=3, mismatch={"c": Mismatch(dist="uniform", half_width=1e-10, relative=False)}),
        analysis=Tran(step=1e-6, stop=2e-5),
    ).plan()
    assert py.shape == toml.shape and py.dims == toml.dims
    assert [p.params for p in py.points()] == [p.params for p in toml.points()]
    assert py.analysis == toml.analysis == Tran(step=1e-6, stop=2e-5)


def test_montecarlo_is_seeded_reproducible_and_shares_dies_across_grid():
    def params(seed):
        return [p.params for p in SweepSpec(
            component="sweep_rc", testbench="pulses", grid={"r": [1e3, 2e3]},
            montecarlo={"n": 50, "seed": seed, "mismatch": {"r": {"sigma": 0.1}, "c": {"sigma": 0.02}}},
        ).plan().points()]

    a, b, c = params(1), params(1), params(2)
    assert a == b
    assert a != c
    r1 = np.array([p["r"] for p in a[:50]])
    r2 = np.array([p["r"] for p in a[50:]])
    # relative mismatch: the same draw scales each nominal (sample s is the same die)
    np.testing.assert_allclose(r2 / 2e3, r1 / 1e3, rtol=1e-12)
    # and it is the requested distribution (50 samples: loose bounds)
    z = r1 / 1e3 - 1
    assert abs(z.mean()) < 0.05 and 0.06 < z.std() < 0.14


def test_uniform_absolute_mismatch_stays_within_half_width():
    plan = SweepSpec(
        component="sweep_rc", testbench="pulses",
        montecarlo={"n": 200, "seed": 0, "mismatch": {"c": {"dist": "uniform", "half_width": 1e-10, "relative": False}}},
    ).plan()
    c = np.array([p.params["c"] for p in plan.points()])
    assert np.all(np.abs(c - 1e-9) <= 1e-10) and np.ptp(c) > 1.5e-10


def test_unknown_parameter_names_the_line_and_the_known_names():
    body = """
    [grid]
    r = [1e3, 2e3]
    capacitance = [1e-9]
    """
    err = error_of(body)
    assert f"line {line_of(body, 'capacitance')}" in err.message
    assert "capacitance" in err.message
    assert "r, c, vdd" in err.hint and "period" in err.hint


def test_bad_key_names_the_line():
    body = """
    [grid]
    r = [1e3]
    [montecarlo]
    n = 3
    samples = 10
    """
    err = error_of(body)
    assert f"line {line_of(body, 'samples')}" in err.message
    assert "[montecarlo] takes" in err.hint


def test_bad_sweep_key_and_section():
    body = "timout = 3\n"
    with pytest.raises(ValidationError, match=r"line 4: \[sweep\] timout: unknown key"):
        SweepSpec.from_toml_text(HEAD + body)
    with pytest.raises(ValidationError, match=r"line 4: \[grids\]: unknown section"):
        SweepSpec.from_toml_text(HEAD + "[grids]\nr = [1]\n")


def test_empty_grid_is_refused():
    body = """
    [grid]
    r = [1e3]
    c = []
    """
    err = error_of(body)
    assert f"line {line_of(body, 'c = []')}" in err.message and "empty" in err.message


@pytest.mark.parametrize(
    "entry, words",
    [
        ("c = { logspace = [0, 1e-9, 3] }", "not a log range"),
        ("c = { logspace = [-1e-9, 1e-9, 3] }", "not a log range"),
        ("c = { linspace = [1e-9, 2e-9, 0] }", "integer >= 1"),
        ("c = { linspace = [1e-9, 1e-9, 3] }", "repeats one value"),
        ("c = { linspace = [1e-9, 2e-9] }", "needs [start, stop, num]"),
        ("c = { linspace = [-1e-9, 1e-9, 3] }", "out of range"),  # c = 0 and c < 0 refused by Params
        ("vdd = [1.0, 6.0]", "out of range"),
        ("c = [1e-9, 1e-9]", "values repeat"),
        ("c = [\"abc\"]", "not a number"),
        ("c = { values = [1e-9], unit = \"H\" }", "not 'H'"),
    ],
)
def test_bad_ranges_are_refused_with_their_line(entry, words):
    body = f"""
    [grid]
    {entry}
    """
    err = error_of(body)
    assert words in err.message
    assert f"line {line_of(body, entry.split(' =')[0] + ' =')}" in err.message


def test_mismatch_problems():
    body = """
    [montecarlo]
    n = 5
    mismatch.r = { sigma = -0.1 }
    """
    err = error_of(body)
    assert "must be > 0" in err.message and f"line {line_of(body, 'mismatch.r')}" in err.message
    err = error_of("""
    [montecarlo]
    n = 5
    mismatch.period = { sigma = 0.1 }
    """)
    assert "testbench keyword" in err.message
    err = error_of("""
    [montecarlo]
    n = 5
    mismatch.r = { dist = "uniform", sigma = 0.1 }
    """)
    assert "half_width" in err.message
    body = """
    [montecarlo]
    n = 0
    mismatch.r = { sigma = 0.1 }
    """
    err = error_of(body)
    assert "integer >= 1" in err.message and f"line {line_of(body, 'n = 0')}" in err.message


def test_conflicts_and_corners():
    body = """
    [params]
    r = 1e3
    [grid]
    r = [1e3, 2e3]
    """
    err = error_of(body)
    assert "both fixed" in err.message and f"line {line_of(body, 'r = [1e3, 2e3]')}" in err.message
    body = """
    [corners]
    supply = { param = "vdd_main", values = [1.0] }
    """
    err = error_of(body)
    assert "vdd_main" in err.message and f"line {line_of(body, 'supply')}" in err.message
    err = error_of("""
    [corners]
    temperature = [-300]
    """)
    assert "absolute zero" in err.message
    err = error_of("""
    [grid]
    vdd = [1.0]
    [corners]
    supply = { param = "vdd", values = [0.9, 1.1] }
    """)
    assert "also swept" in err.message


def test_measure_problems():
    body = """
    [grid]
    r = [1e3]
    [measures.n]
    measure = "spike_cnt"
    """
    err = error_of(body)
    assert "spike_cnt" in err.message and "spike_count" in err.hint
    assert f"line {line_of(body, 'spike_cnt')}" in err.message
    body = """
    [grid]
    r = [1e3]
    [measures.n]
    measure = "spike_count"
    signal = "out"
    threshold = 0.5
    treshold = 0.4
    """
    err = error_of(body)
    assert "treshold" in err.message and f"line {line_of(body, 'treshold')}" in err.message
    assert "threshold" in err.hint


def test_nothing_swept_and_fixed_stimulus_checks():
    assert "nothing is swept" in error_of("[params]\nr = 1e3\n").message
    err = error_of("""
    [stimulus]
    r = 1e3
    [grid]
    c = [1e-9]
    """)
    assert "Move it to [params]" in err.hint
    err = error_of("""
    [grid]
    n = [0, 1]
    """)
    assert "cannot be built" in err.message and "n must be >= 1" in err.message


def test_toml_syntax_error_is_reported():
    with pytest.raises(ValidationError, match="not valid TOML.*line 6"):
        SweepSpec.from_toml_text(HEAD + "\n[grid]\nr = 1e3 2e3\n")


def test_find_line_handles_headers_dotted_and_inline_keys():
    text = textwrap.dedent("""\
        [montecarlo]
        n = 3
        mismatch.r = { sigma = 0.1, dist = "gauss" }
        [measures.rate]
        measure = "spike_rate"
        """)
    assert find_line(text, ("montecarlo", "n")) == 2
    assert find_line(text, ("montecarlo", "mismatch", "r", "dist")) == 3
    assert find_line(text, ("measures", "rate")) == 4
    assert find_line(text, ("measures", "rate", "signal")) == 4
    assert find_line(text, ("measures", "rate", "measure")) == 5
    assert find_line(text, ("grid",)) is None


def test_range_helpers():
    assert logspace(1e-9, 1e-6, 4) == pytest.approx((1e-9, 1e-8, 1e-7, 1e-6), rel=1e-12)
    assert logspace(-1.0, -100.0, 3) == pytest.approx((-1.0, -10.0, -100.0))
    assert linspace(0, 1, 3) == (0.0, 0.5, 1.0)
    with pytest.raises(ValidationError):
        logspace(0, 1, 3)


def test_fingerprint_ignores_layout():
    a = spec_of("[grid]\nr = [1e3, 2e3]\n")
    b = SweepSpec.from_toml_text("# comment\n" + HEAD + "\n\n[grid]\nr = [1e3,   2e3]  # two\n")
    c = spec_of("[grid]\nr = [1e3, 3e3]\n")
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "sweeps").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_sweep_files_are_valid(path):
    from circuitsnn.sweep import load_spec

    plan = load_spec(path).plan()
    assert plan.size > 1 and plan.measures


def test_the_documented_example_is_valid():
    from circuitsnn.sweep import spec as spec_module

    doc = spec_module.__doc__
    block = textwrap.dedent(doc[doc.index("    [sweep]"):doc.index("``[sweep] modules")])
    plan = SweepSpec.from_toml_text(block).plan()
    assert plan.dims == ("i_amp", "c", "process", "temperature", "vdd", "sample")
