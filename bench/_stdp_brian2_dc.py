"""The Diehl & Cook network of ``bench/stdp_throughput.py`` in Brian2 (run by that script inside
the benchmark-only environment ``bench/.venv-brian2``: Brian2 2.9 needs numpy 2.3.x).

Same network as circuitsnn's :mod:`circuitsnn.learn.stdp.network` with the same parameters (SI):
Poisson inputs; each input spike adds ``w q_max / C`` to the membrane (the charge of one read
pulse at the synapse's conductance); LIF ``tau_m dv/dt = v_rest - v`` integrated exactly,
threshold ``v_th + theta``, reset to ``v_reset``; lateral inhibition ``q_inh / C`` onto every
other neuron; ``theta += theta_plus`` per spike; Diehl & Cook's triplet rule (pre: ``w -=
nu_pre post1``; post: ``w += nu_post pre post2(before)``); weights normalized per neuron after
every presentation; presentation ``t_present`` then ``t_rest`` with the inputs off (two ``run()``
calls, as Diehl & Cook's script).

Usage: python _stdp_brian2_dc.py '{"target": "cython", "n_e": 100, "samples": 5, ...}'
prints one JSON line: seconds per presentation (after one warm-up presentation).
"""

import json
import sys
import time

import numpy as np


def main() -> None:
    a = json.loads(sys.argv[1])
    import brian2 as b2

    b2.prefs.codegen.target = a["target"]
    b2.prefs.logging.console_log_level = "ERROR"
    b2.defaultclock.dt = a["dt"] * b2.second
    n_in, n_e = a["n_input"], a["n_e"]
    tau_m = a["tau_m"] * b2.second
    v_rest, v_reset, v_th = a["v_rest"] * b2.volt, a["v_reset"] * b2.volt, a["v_th"] * b2.volt
    eqs = """dv/dt = (v_rest - v) / tau_m : volt
             theta : volt"""
    exc = b2.NeuronGroup(n_e, eqs, threshold="v > v_th + theta", reset="v = v_reset; theta += theta_plus",
                         method="exact", namespace={"v_rest": v_rest, "tau_m": tau_m, "v_th": v_th, "v_reset": v_reset,
                                                    "theta_plus": a["theta_plus"] * b2.volt})
    exc.v = v_rest
    inp = b2.PoissonGroup(n_in, np.zeros(n_in) * b2.Hz)
    stdp = """w : 1
              dpre/dt = -pre / tau_pre : 1 (event-driven)
              dpost1/dt = -post1 / tau_post1 : 1 (event-driven)
              dpost2/dt = -post2 / tau_post2 : 1 (event-driven)"""
    ns = {"tau_pre": a["tau_plus"] * b2.second, "tau_post1": a["tau_minus"] * b2.second,
          "tau_post2": a["tau_y"] * b2.second, "nu_pre": a["nu_pre"], "nu_post": a["nu_post"],
          "dv_max": a["dv_max"] * b2.volt}
    syn = b2.Synapses(inp, exc, stdp, namespace=ns,
                      on_pre="""v_post += w * dv_max
                                pre += 1
                                w = clip(w - nu_pre * post1, 0, 1)""",
                      on_post="""post2before = post2
                                 w = clip(w + nu_post * pre * post2before, 0, 1)
                                 post1 += 1
                                 post2 += 1""")
    syn.connect()
    rng = np.random.default_rng(0)
    syn.w = rng.uniform(0, 0.3, n_in * n_e)
    inh = b2.Synapses(exc, exc, on_pre="v_post -= dv_inh", namespace={"dv_inh": a["dv_inh"] * b2.volt})
    inh.connect(condition="i != j")
    net = b2.Network(exc, inp, syn, inh)
    images = rng.uniform(0, 1, (a["samples"] + 1, n_in)) * (rng.uniform(0, 1, (a["samples"] + 1, n_in)) < 0.4)
    total = a["normalize"] * n_in

    def present(x):
        inp.rates = x * a["max_rate"] * b2.Hz
        net.run(a["t_present"] * b2.second)
        inp.rates = 0 * b2.Hz
        net.run(a["t_rest"] * b2.second)
        w = np.array(syn.w).reshape(n_in, n_e)
        w = np.clip(w * (total / np.maximum(w.sum(0, keepdims=True), 1e-12)), 0, 1)
        syn.w = w.ravel()

    t0 = time.perf_counter()
    present(images[0])  # warm-up: code generation and compilation
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    for x in images[1:]:
        present(x)
    per = (time.perf_counter() - t0) / a["samples"]
    print(json.dumps({"target": a["target"], "n_e": n_e, "s_per_presentation": per, "warmup_s": warm,
                      "brian2": b2.__version__, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
