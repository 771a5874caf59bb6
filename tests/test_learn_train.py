"""The gradient trainer: gradients, learning, device bounds, quantization grid, resume after a
kill, config errors with lines, the saved model and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from circuitsnn.errors import ValidationError
from circuitsnn.learn import surrogate as S
from circuitsnn.learn.average import WeightAverage
from circuitsnn.learn.checkpoint import load_checkpoint, load_trained
from circuitsnn.learn.config import ConfigError, config, load_config
from circuitsnn.learn.hardware import HardwareSpec, on_chip, sample_chip
from circuitsnn.learn.ideal import IdealConductance
from circuitsnn.learn.layers import DeviceModel, DeviceNetwork, DeviceSynapses, PulseSpec
from circuitsnn.learn.neurons import TrainState, lif_train_step
from circuitsnn.learn.trainer import build, train
from circuitsnn.surrogates.artifacts import lif_parameters
from circuitsnn.surrogates.functional import lif_initial_state, lif_step
from circuitsnn.surrogates.weights import weights_for

LIF = lif_parameters("models/lif.json")
VTEAM_NS = "examples/train/models/memristor_vteam_nS.json"


def vteam():
    return weights_for("memristor_vteam", VTEAM_NS)


def families():
    """Every family the trainer is tested with: the ideal device, a quantizing stand-in for the
    digital code, and the memristors (fitted at network scale)."""
    return {
        "ideal": IdealConductance(1e-9, 50e-9),
        "quantized": IdealConductance(1e-9, 50e-9, levels=16),
        "memristor_vteam": vteam(),
        "memristor_biolek": weights_for("memristor_biolek", "examples/train/models/memristor_biolek_nS.json"),
    }


def tiny_net(device, sizes=(6, 8, 3), recurrent=False, amplitude=None, seed=0):
    dt = 2e-4
    amp = amplitude or device.v_read
    return DeviceNetwork(list(sizes), DeviceModel(device, [amp]), LIF, dt=dt, n_steps=20, pulse=PulseSpec(amp, dt),
                         spike=S.SpikeFunction("fast_sigmoid", 10.0), recurrent=recurrent, init_std=0.6, seed=seed)


@pytest.mark.parametrize("shape", sorted(S.SHAPES))
def test_surrogate_shapes_integrate_to_one_and_match_autograd(shape):
    x = torch.linspace(-3, 3, 600_001, dtype=torch.float64)
    d = S.derivative(shape, x, 1000.0)  # width 1 mV: the tails beyond +-3 V hold < 1e-3
    assert abs(float(torch.trapezoid(d, x)) - 1.0) < 1e-3
    xs = torch.tensor([-0.2, -0.01, 0.0, 0.03], dtype=torch.float64, requires_grad=True)
    fn = S.get(shape, 10.0)
    y = fn(xs)
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0]
    y.sum().backward()
    assert torch.allclose(xs.grad, S.derivative(shape, xs.detach(), 10.0))


def test_train_step_equals_the_fitted_lif_step():
    for name, dt in (("lif", 2e-4), ("adaptive_lif", 5e-5)):
        p = lif_parameters(f"models/{name}.json")
        cur = torch.rand(120, 3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 12e-9
        ref = lif_initial_state((3, 5), p)
        mine = TrainState(ref.v.clone(), ref.ref.clone(), ref.w.clone())
        for t in range(len(cur)):
            z1, ref = lif_step(cur[t], ref, p, dt)
            z2, mine = lif_train_step(cur[t], mine, p, dt, S.get(), adapt=float(p.b) != 0)
            assert torch.equal(z1, z2)
            assert torch.allclose(ref.v, mine.v, atol=1e-12) and torch.allclose(ref.ref, mine.ref, atol=1e-15)


@pytest.mark.parametrize("shape", sorted(S.SHAPES))
def test_fused_layer_has_the_steps_spikes_and_gradients(shape):
    """The one-node layer (what ``LIFNeurons.compile`` compiles; run uncompiled here) against
    autograd through every step: the same spikes, the same input-current gradients."""
    from circuitsnn.learn.neurons import LIFNeurons, _layer_backward, _layer_forward

    p = lif_parameters("models/lif.json")
    cur = (torch.rand(60, 4, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(2)) * 14e-9)
    weight = torch.randn(60, 4, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(3))

    def run(fused: bool, record_v: bool):
        neu = LIFNeurons(7, p, 2e-4, S.SpikeFunction(shape, 20.0))
        if fused:
            neu._fused = (_layer_forward, _layer_backward)
        c = cur.clone().requires_grad_(True)
        z, v = neu(c, record_v=record_v)
        (z * weight).sum().backward()
        return z.detach(), c.grad, v

    (z0, g0, _), (z1, g1, _) = run(False, False), run(True, False)
    assert torch.equal(z0, z1) and z0.sum() > 20
    assert float(g0.abs().max()) > 0
    assert torch.allclose(g0, g1, rtol=1e-9, atol=1e-12 * float(g0.abs().max()))
    # with the membranes recorded (the output layer's tie-break): the same membranes and spike
    # gradients; the fused membranes carry no gradient
    (_, _, v0), (_, gv, v1) = run(False, True), run(True, True)
    assert not v1.requires_grad and torch.allclose(v0.detach(), v1, rtol=0, atol=1e-12) and torch.equal(gv, g1)


@pytest.mark.parametrize("dt", [2e-4, 5e-5])
def test_cpu_kernel_forward_equals_the_torch_forward(dt):
    """The CPU kernel (``LIFNeurons.compile``'s forward) against the torch forward it restates:
    the same spikes; membranes, ``x`` and relaxation factors within 10 uV and 1e-5 (its ``exp``
    may round one ulp apart from eager torch's, and 200 steps carry that on). ``dt`` = 50 us keeps neurons refractory over
    several steps; 7 x 5 neurons leave a partial vector."""
    from circuitsnn.learn.lif_kernel import KernelForward, _kernel
    from circuitsnn.learn.neurons import _layer_forward
    from circuitsnn.surrogates.functional import LIFParameters

    p = lif_parameters("models/lif.json")
    p = LIFParameters(*(float(x) for x in p))
    if _kernel(p, dt) is None:
        pytest.skip("no C++ tool chain for torch.compile here")
    cur = torch.rand(200, 7, 5, generator=torch.Generator().manual_seed(4)) * 14e-9
    v0 = torch.rand(7, 5, generator=torch.Generator().manual_seed(5)) * 0.6
    ref0 = torch.rand(7, 5, generator=torch.Generator().manual_seed(6)) * 3e-4
    spike = S.SpikeFunction("fast_sigmoid", 10.0)
    torch_calls = []

    def torch_forward(*args):
        torch_calls.append(args[0].dtype)
        return _layer_forward(*args)

    kernel = KernelForward(torch_forward)
    for record_v in (False, True):
        mine = kernel(cur, v0, ref0, p, dt, spike, record_v)
        theirs = _layer_forward(cur, v0, ref0, p, dt, spike, record_v)
        assert torch.equal(mine[0], theirs[0]) and 100 < mine[0].sum() < 0.5 * mine[0].numel()
        for a, b in zip(mine[1:4], theirs[1:4]):
            assert torch.allclose(a, b, rtol=0, atol=1e-5)
        assert (mine[4] is None) == (not record_v)
        if record_v:
            assert torch.allclose(mine[4], theirs[4], rtol=0, atol=1e-5)
    assert not torch_calls  # float32 on the CPU: the kernel ran
    kernel(cur.double(), v0.double(), ref0.double(), p, dt, spike)
    assert torch_calls == [torch.float64]  # anything else: the torch forward


def test_compile_key_compiles_the_feed_forward_layers():
    exp = build(small_cfg(run={"compile": True}))
    hidden, out = exp.net.neurons
    assert hidden._fused is not None and out._fused is not None  # both spike (count readout)
    assert build(small_cfg()).net.neurons[0]._fused is None


def test_column_read_is_the_device_read_in_amperes():
    dev = vteam()
    net = tiny_net(dev)
    syn = net.synapses[0]
    gp, gn = syn.conductances()
    sp, sn = syn.states()
    # the current of one pulse on input 2: the devices' read at 0.2 V, their states from the interface
    i_dev = dev.read(sp[:, 2], 0.2) - dev.read(sn[:, 2], 0.2)
    x = torch.zeros(1, 6)
    x[0, 2] = 1.0
    assert torch.allclose(syn(x)[0].double(), i_dev, rtol=1e-4, atol=1e-15)
    assert torch.allclose(dev.conductance(sp), gp.double(), rtol=1e-5)
    assert 5e-9 < float(i_dev.abs().max()) < 11e-9  # nA-scale currents into a 100 MOhm neuron


@pytest.mark.parametrize("family", ["ideal", "quantized", "memristor_vteam", "memristor_biolek"])
def test_gradients_reach_every_trainable_tensor(family):
    torch.manual_seed(0)
    net = tiny_net(families()[family], recurrent=True)
    x = (torch.rand(20, 4, 6) < 0.4).float()
    out = net(x)
    loss = torch.nn.functional.cross_entropy(net.logits(out), torch.tensor([0, 1, 2, 0]))
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and float(p.grad.abs().sum()) > 0, name


def test_conductances_stay_in_range_and_codes_on_grid_after_every_step():
    fams = families()
    for family in ("memristor_vteam", "quantized"):
        dev = fams[family]
        net = tiny_net(dev)
        opt = torch.optim.Adam(net.parameters(), lr=0.5)  # large steps push against the bounds
        g_lo, g_hi = dev.g_range()
        for step in range(6):
            out = net((torch.rand(20, 8, 6, generator=torch.Generator().manual_seed(step)) < 0.5).float())
            loss = -out.counts.sum() + net.synapses[1].theta.sum() * 50
            opt.zero_grad()
            loss.backward()
            opt.step()
            net.project()
            for _, syn in net.arrays():
                for g in (c.detach() for c in syn.conductances()):
                    assert float(g.min()) >= g_lo * (1 - 1e-6) and float(g.max()) <= g_hi * (1 + 1e-6)
                    if family == "quantized":
                        grid = dev.grid()
                        dist = (g.double().unsqueeze(-1) - grid).abs().min(-1).values
                        assert float(dist.max()) < 1e-6 * g_hi


def test_a_tiny_task_learns():
    torch.manual_seed(0)
    net = tiny_net(IdealConductance(1e-9, 50e-9), sizes=(4, 2))
    # class 0: inputs 0-1 pulse; class 1: inputs 2-3 pulse
    x = torch.zeros(20, 32, 4)
    y = torch.arange(32) % 2
    g = torch.Generator().manual_seed(0)
    for b in range(32):
        cols = [0, 1] if y[b] == 0 else [2, 3]
        x[:, b, cols] = (torch.rand(20, 2, generator=g) < 0.5).float()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(40):
        out = net(x)
        loss = torch.nn.functional.cross_entropy(net.logits(out), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        net.project()
    acc = float((net.scores(net(x)).argmax(1) == y).float().mean())
    assert acc == 1.0


def test_chips_vary_reads_and_noise_is_seeded():
    net = tiny_net(vteam())
    x = (torch.rand(20, 2, 6, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    w0 = net.synapses[0].effective().detach()
    spec = HardwareSpec(variation=True, sigma_scale=1.0)
    c1, c1b, c2 = sample_chip(net, spec, 1), sample_chip(net, spec, 1), sample_chip(net, spec, 2)
    with on_chip(net, c1):
        w1 = net.synapses[0].effective().detach()
    with on_chip(net, c1b):
        assert torch.equal(w1, net.synapses[0].effective().detach())
    with on_chip(net, c2):
        w2 = net.synapses[0].effective().detach()
    rel = ((w1 - w0).abs() / w0.abs().clamp(min=1e-12)).median()
    assert 0.005 < float(rel) < 0.2 and not torch.equal(w1, w2)
    assert net.synapses[0].chip is None  # the nominal devices again after the block
    net(x)


def test_program_and_verify_undoes_most_of_the_chip_variation():
    """A chip programmed by program-and-verify reads (nearly) the nominal weights where open
    loop programming carries each device's own deviation."""
    net = tiny_net(vteam())
    w0 = net.synapses[0].effective().detach()
    rel = {}
    for mode in ("open_loop", "verify"):
        spec = HardwareSpec(variation=True, sigma_scale=3.0, programming=mode)
        with on_chip(net, sample_chip(net, spec, 1)):
            w = net.synapses[0].effective()
            rel[mode] = float(((w.detach() - w0).abs() / w0.abs().clamp(min=1e-12)).median())
            w.sum().backward()  # straight through: the gradient is the nominal read's
    assert rel["verify"] < 0.1 * rel["open_loop"] and rel["open_loop"] > 0.02
    assert net.synapses[0].theta.grad is not None
    # the verified states are found once per chip and weights: again after a weight update
    syn, calls = net.synapses[0], []
    dev = syn.model.device
    real = dev.verified_state
    dev.verified_state = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        with on_chip(net, sample_chip(net, HardwareSpec(programming="verify"), 2)):
            first = syn.effective().detach()
            assert torch.equal(syn.effective().detach(), first) and len(calls) == 2  # pos and neg, once
            with torch.no_grad():
                syn.theta.mul_(0.5)
            assert not torch.equal(syn.effective().detach(), first) and len(calls) == 4
    finally:
        del dev.verified_state
    with pytest.raises(ValidationError, match="programming must be one of open_loop, verify"):
        HardwareSpec(programming="closed")


def test_bad_configs_name_key_and_line(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[run]\nepochs = 3\n\n[network]\nhiden = [10]\n")
    with pytest.raises(ConfigError, match=r"bad.toml, line 5: \[network\] hiden: unknown key"):
        load_config(p)
    p.write_text("[time]\ndt = 2e-4\nduration = 1.1e-3\n")
    with pytest.raises(ConfigError, match=r"line 3: \[time\] duration: .* whole number of steps"):
        load_config(p)
    p.write_text("[surrogate]\nshape = \"gauss\"\n")
    with pytest.raises(ConfigError, match=r"line 2: \[surrogate\] shape: must be one of"):
        load_config(p)
    p.write_text("[synapse]\ncomponent = \"lif\"\n")
    with pytest.raises(ConfigError, match=r"line 2: \[synapse\] component: 'lif' is a neuron"):
        load_config(p)
    p.write_text("[encoding]\nmax_rate = 20000.0\n")
    with pytest.raises(ConfigError, match=r"line 2: \[encoding\] max_rate: .* more than one pulse per step"):
        load_config(p)
    p.write_text("[pulse]\nwidth = \"1M\"\n")
    with pytest.raises(ConfigError, match=r"line 2: \[pulse\] width"):
        load_config(p)
    p.write_text("[optimizer]\nlr = 1e-2\nema = 1.0\n")
    with pytest.raises(ConfigError, match=r"line 3: \[optimizer\] ema: must be <= 0.9999"):
        load_config(p)
    p.write_text("[optimizer]\nlabel_smoothing = -0.1\n")
    with pytest.raises(ConfigError, match=r"line 2: \[optimizer\] label_smoothing: must be >= 0"):
        load_config(p)


def test_shifted_images_are_translations_with_zero_fill():
    from circuitsnn.learn.data.augment import shift_images

    x = torch.rand(50, 64) + 0.1  # no zero pixels, so the fill is visible
    g = torch.Generator().manual_seed(3)
    y = shift_images(x, (8, 8), 2, g)
    assert torch.equal(shift_images(x, (8, 8), 0, g), x)
    seen = set()
    for a, b in zip(x.reshape(-1, 8, 8), y.reshape(-1, 8, 8)):
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                want = torch.zeros(8, 8)
                want[max(dy, 0):8 + min(dy, 0), max(dx, 0):8 + min(dx, 0)] = a[max(-dy, 0):8 + min(-dy, 0),
                                                                               max(-dx, 0):8 + min(-dx, 0)]
                if torch.equal(b, want):
                    matches.append((dy, dx))
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 10  # the shifts vary over the 25 possible
    p_cfg = {"data": {"name": "randman", "augment_shift": 1}, "encoding": {"kind": "times"}}
    with pytest.raises(ConfigError, match=r"\[data\] augment_shift: shifts move pixels of images"):
        config(**p_cfg)
    with pytest.raises(ConfigError, match=r"\[data\] augment_shift"):
        config(data={"augment_shift": 5})


def small_cfg(**extra):
    sections = {"run": {"epochs": 3, "batch_size": 256, "eval_batch_size": 400},
                "network": {"hidden": [16]}, "time": {"dt": 5e-4, "duration": 4e-3},
                "encoding": {"max_rate": 2000.0}, "hardware": {"eval_chips": 0}}
    for k, v in extra.items():
        sections.setdefault(k, {}).update(v)
    return config(**sections)


class Killed(Exception):
    """A simulated kill, raised from the trainer's ``on_batch`` hook."""


def kill_and_resume(cfg, out, *, epoch, batch):
    """Train ``cfg`` into ``out``, killed before ``batch`` of ``epoch``; then resume it to the end."""
    def kill(e, b):
        if (e, b) == (epoch, batch):
            raise Killed

    with pytest.raises(Killed):
        train(cfg, out, progress=False, plots=False, on_batch=kill, log=lambda s: None)
    return train(cfg, out, progress=False, plots=False, log=lambda s: None)


def test_a_compiled_run_with_the_counter_rng_resumes_to_the_same_weights(tmp_path):
    """The Fashion config's path (compiled layers, the C++ forward, the counter RNG): the keys
    come from the batch's seeded generator, so a killed run resumes to the uninterrupted one."""
    cfg = small_cfg(run={"compile": True, "epochs": 2}, encoding={"rng": "counter"})
    assert build(cfg).encoder.rng == "counter"
    train(cfg, tmp_path / "full", progress=False, plots=False, log=lambda s: None)

    kill_and_resume(cfg, tmp_path / "killed", epoch=1, batch=1)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)["net"]
    b = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)["net"]
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_resume_after_a_kill_equals_an_uninterrupted_run(tmp_path):
    # with shifted training images too: the shifts come from the epoch's seeded generator
    cfg = small_cfg(synapse={"component": "memristor_vteam", "model": VTEAM_NS}, hardware={"train": True},
                    data={"augment_shift": 1})
    full = train(cfg, tmp_path / "full", progress=False, plots=False, log=lambda s: None)

    resumed = kill_and_resume(cfg, tmp_path / "killed", epoch=2, batch=2)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)
    b = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)
    for k in a["net"]:
        assert torch.equal(a["net"][k], b["net"][k]), k
    assert full["test_acc"] == resumed["test_acc"]
    rows = (tmp_path / "killed" / "metrics.csv").read_text().splitlines()
    assert len(rows) == 4 and rows[0].startswith("epoch,train_loss")
    # evaluation-only settings may change: the finished run is re-evaluated, not retrained
    logs = []
    again = train(small_cfg(synapse={"component": "memristor_vteam", "model": VTEAM_NS},
                            hardware={"train": True, "eval_chips": 2}, data={"augment_shift": 1}), tmp_path / "killed", progress=False,
                  plots=False, log=logs.append)
    assert "resuming" in logs[0] and again["chips"]["n_chips"] == 2 and again["test_acc"] == full["test_acc"]
    # a checkpoint of another configuration is not resumed silently
    with pytest.raises(ValidationError, match=r"different configuration \(.*run.seed: 0 -> 5"):
        train(small_cfg(run={"seed": 5}), tmp_path / "killed", progress=False, plots=False, log=lambda s: None)
    # a checkpoint written before a key existed resumes: the missing key counts as its default
    ck = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)
    del ck["config"]["hardware"]["programming"], ck["config"]["prune"]["criterion"]
    torch.save(ck, tmp_path / "killed" / "checkpoint.pt")
    logs = []
    train(cfg, tmp_path / "killed", progress=False, plots=False, log=logs.append)
    assert "resuming" in logs[0]


def test_saved_model_holds_device_states_and_pruning(tmp_path):
    cfg = small_cfg(synapse={"component": "memristor_vteam", "model": VTEAM_NS}, prune={"l1": 1e-3, "fractions": [0.3]},
                    run={"epochs": 1})
    s = train(cfg, tmp_path, progress=False, log=lambda s: None)
    assert {p.split("/")[-1] for p in s["plots"]} == {"curves.png", "rasters.png", "conductances.png"}
    doc, arrays = load_trained(tmp_path / "model")
    assert doc["topology"]["sizes"] == [64, 16, 10]
    assert doc["device"]["interface"]["component"] == "memristor_vteam"
    assert len(doc["device"]["sha256"]) == 64 and doc["neuron"]["name"] == "lif"
    dev = vteam()
    g_lo, g_hi = dev.g_range()
    for a in doc["arrays"]:
        n = a["name"]
        m = arrays[f"{n}.mask"].astype(bool)
        assert a["pairs"] == int(m.sum()) and a["devices"] == 2 * a["pairs"]
        gp = arrays[f"{n}.g_pos"]
        assert np.all(np.isnan(gp[~m])) and np.all(arrays[f"{n}.weight"][~m] == 0)
        assert np.all((gp[m] >= g_lo * (1 - 1e-6)) & (gp[m] <= g_hi * (1 + 1e-6)))
        g_from_state = dev.conductance(torch.as_tensor(arrays[f"{n}.state_pos"][m])).numpy()
        assert np.allclose(g_from_state, gp[m], rtol=1e-4)
    if "pruned" in s:
        assert sum(a["pruned_pairs"] for a in doc["arrays"]) == s["pruned"]["pruned"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["prune"][0]["target"] == 0.0 and math.isfinite(summary["test_acc"])


def test_cli_train_and_help(tmp_path, capsys):
    from circuitsnn.cli.main import main

    cfg = tmp_path / "c.toml"
    cfg.write_text('[run]\nepochs = 1\nbatch_size = 256\n[network]\nhidden = [8]\n[time]\ndt = 5e-4\nduration = 5e-3\n'
                   '[encoding]\nmax_rate = 1000.0\n')
    assert main(["train", str(cfg), "--out", str(tmp_path / "o"), "--no-progress", "--no-plots",
                 "--set", "run.seed=3"]) == 0
    assert (tmp_path / "o" / "model" / "model.json").exists()
    assert json.loads((tmp_path / "o" / "model" / "model.json").read_text())["config"]["run"]["seed"] == 3
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "virtual ground" in capsys.readouterr().out
    assert main(["train", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "x")]) == 1


def test_nir_round_trip_and_snntorch_import(tmp_path):
    import nir

    from circuitsnn.learn.export_nir import export_nir, to_nir

    net = tiny_net(vteam(), recurrent=True)
    net.synapses[0].mask[0, :3] = 0  # pruned pairs are absent (zero weight)
    net.project()
    g = nir.read(export_nir(net, tmp_path / "n.nir"))
    assert set(g.nodes) == {"input", "layer0", "lif0", "layer0_rec", "layer1", "lif1", "output"}
    assert ("lif0", "layer0_rec") in g.edges and ("layer0_rec", "lif0") in g.edges
    w = g.nodes["layer0"].weight
    assert np.allclose(w, net.synapses[0].effective().detach().double().numpy())
    assert np.all(w[0, :3] == 0)
    lif = g.nodes["lif1"]
    assert np.allclose(lif.tau, float(LIF.tau_m)) and np.allclose(lif.r, float(LIF.r_in))
    assert np.allclose(lif.v_threshold, float(LIF.v_th)) and lif.metadata["t_ref"] == pytest.approx(float(LIF.t_ref))
    snntorch_import = pytest.importorskip("snntorch.import_nir")
    ff = tiny_net(vteam())
    module = snntorch_import.import_from_nir(to_nir(ff))
    out, _ = module(torch.rand(2, 6))
    assert out.shape == (2, 3)


class SaturatingRead(IdealConductance):
    """A stand-in with a read nonlinearity (current saturating in the voltage, as a Schottky
    read in saturation): I = G v_s tanh(v / v_s)."""

    def read(self, state, v, params=None):
        v_s = 0.1
        return self._t(state) * v_s * torch.tanh(torch.as_tensor(v, dtype=torch.float64) / v_s)


def test_nonlinear_read_goes_through_the_device_read():
    dev = SaturatingRead(1e-9, 50e-9, v_read=0.05)
    model = DeviceModel(dev, [0.3])
    assert not model.linear and model.nonlinearity > 0.5
    syn = DeviceSynapses(5, 4, model, PulseSpec(0.3, 1e-4), 1e-4, init_std=0.5)
    gp, gn = (g.double() for g in syn.conductances())
    sp, sn = dev.state_for(gp), dev.state_for(gn)
    expect = (dev.read(sp, 0.3) - dev.read(sn, 0.3))
    assert torch.allclose(syn.effective().double(), expect, rtol=1e-3, atol=1e-14)
    # analog inputs: each level read at its own voltage
    exp_model = DeviceModel(dev, [0.3] + [0.3 * k / 4 for k in range(1, 5)])
    syn2 = DeviceSynapses(5, 4, exp_model, PulseSpec(0.3, 1e-4), 1e-4, init_std=0.5)
    x = torch.tensor([[0.5, 0.0, 1.0, 0.25, 0.75]])
    gp, gn = (g.double() for g in syn2.conductances())
    v = (x[0] * 0.3).double()
    want = (dev.read(dev.state_for(gp), v) - dev.read(dev.state_for(gn), v)).sum(1)
    assert torch.allclose(syn2(x, binary=False)[0].double(), want, rtol=1e-3, atol=1e-14)


def test_randman_and_latency_configs_build_and_run(tmp_path):
    cfg = load_config("examples/train/randman_vteam.toml", {"data": {"nb_samples": 10}, "run": {"epochs": 1}})
    exp = build(cfg)
    assert exp.net.recurrent and exp.splits.train.kind == "times"
    x, _ = next(exp.splits.train.batches(4))
    out = exp.net(exp.encoder(x, exp.n_steps, exp.dt).to(exp.torch_device))  # [run] device: the GPU where one is
    assert out.v_out.shape == (50, 4, 10)
    lat = small_cfg(encoding={"kind": "latency"}, network={"readout": "membrane"})
    e2 = build(lat)
    x, _ = next(e2.splits.train.batches(3))
    inp = e2.encoder(x, e2.n_steps, e2.dt)
    assert float(inp.sum(0).max()) == 1.0  # one pulse per input at most
    assert e2.net(inp.to(e2.torch_device)).v_out.shape[1:] == (3, 10)


def _synapse_names():
    from circuitsnn.library import registry

    return [c.name for c in registry.components("synapse", builtin_only=True)]


@pytest.mark.parametrize("name", _synapse_names())
def test_every_registered_synapse_family_trains_through_its_weight_interface(name):
    """Every family of the registry (its fitted surrogate, at its own scale): gradients reach the
    weights, conductances stay in its range after a step (on its code grid when it has one), and a
    sampled chip changes the reads."""
    dev = weights_for(name)
    net = tiny_net(dev)
    x = (torch.rand(20, 4, 6, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    opt = torch.optim.Adam(net.parameters(), lr=0.3)
    out = net(x)
    (out.counts.sum() + net.logits(out).sum()).backward()
    assert float(net.synapses[0].theta.grad.abs().sum()) > 0
    opt.step()
    net.project()
    g_lo, g_hi = dev.g_range()
    grid = net.model.grid()
    for _, syn in net.arrays():
        for g in (c.detach() for c in syn.conductances(torch.float64)):
            assert float(g.min()) >= g_lo * (1 - 1e-9) - 1e-18 and float(g.max()) <= g_hi * (1 + 1e-9)
            if grid is not None:
                assert float((g.unsqueeze(-1) - grid).abs().min(-1).values.max()) <= 1e-9 * g_hi
    spec = HardwareSpec(variation=True)
    with on_chip(net, sample_chip(net, spec, 3)):
        w_chip = net.synapses[0].effective().detach()
    w_nom = net.synapses[0].effective().detach()
    if dev.variation_summary():
        assert not torch.equal(w_chip, w_nom)


def test_a_data_key_the_data_set_does_not_take_is_a_clear_error():
    from circuitsnn.learn import data

    with pytest.raises(ValidationError, match=r"\[data\] nb_units does not apply to the 'digits' data set"):
        data.load("digits", nb_units=3)
    s = data.load("digits", limit_train=64)
    assert len(s.train) == 64 and "limited to 64" in s.info["split"] and len(s.test) == 360


def test_drive_pruning_ranks_pairs_by_the_current_they_carry(tmp_path):
    # a strong pair on a line that never pulses carries no current: "drive" prunes it first,
    # "magnitude" keeps it
    from circuitsnn.learn.prune import prune
    from circuitsnn.learn.trainer import build, row_activity

    cfg = load_config("examples/train/digits_vteam.toml", {"network": {"hidden": [8]}, "data": {"limit_train": 32},
                                                          "hardware": {"eval_chips": 0}})
    exp = build(cfg)
    act = row_activity(exp, exp.splits.train)
    assert [a.shape[0] for a in act] == [64, 8] and all(bool((a >= 0).all()) for a in act)
    dead = int(torch.argmin(act[0]))
    assert float(act[0][dead]) == 0.0  # a border pixel of the digits is blank in every image
    syn = exp.net.synapses[0]
    with torch.no_grad():
        syn.theta[:, dead] = 1.0  # the largest |G+ - G-| of the array
    masks = [s.mask.clone() for _, s in exp.net.arrays()]
    prune(exp.net, fraction=0.1)
    assert bool((syn.mask[:, dead] > 0).all())
    for (_, s), m in zip(exp.net.arrays(), masks):
        s.mask.copy_(m)
    prune(exp.net, fraction=0.1, activity=act)
    assert bool((syn.mask[:, dead] == 0).all())


def test_the_membrane_range_penalty_keeps_a_membrane_readout_inside_its_rails(tmp_path):
    from circuitsnn.learn.regularize import ActivityRegularizer

    reg = ActivityRegularizer(membrane_min=0.0, membrane_max=1.0, membrane_strength=2.0)
    v = torch.tensor([[-0.5, 0.3, 1.5]], requires_grad=True)
    pen = reg.membrane(v)
    assert float(pen.detach()) == pytest.approx(2.0 * (0.25 + 0.0 + 0.25) / 3)
    pen.backward()
    assert v.grad[0, 0] < 0 and v.grad[0, 1] == 0 and v.grad[0, 2] > 0  # pushed back inside, not within
    spikes = [torch.zeros(4, 2, 3)]
    assert float(reg(spikes, 1e-3)) == 0.0 and float(reg(spikes, 1e-3, v).detach()) == pytest.approx(float(pen.detach()))
    with pytest.raises(ConfigError, match=r"membrane_strength: .* acts on a membrane read-out"):
        small_cfg(regularization={"membrane_strength": 1.0})
    # a read-out resting at its own reference starts there and relaxes to it without input
    rest = build(small_cfg(network={"readout": "membrane", "readout_rest": 0.9})).net
    with torch.no_grad():
        v0 = rest(torch.zeros(rest.n_steps, 2, rest.sizes[0])).v_out
    assert torch.allclose(v0, torch.full_like(v0, 0.9))
    with pytest.raises(ConfigError, match=r"membrane_max: .* not above membrane_min"):
        small_cfg(network={"readout": "membrane"}, regularization={"membrane_max": 0.0})
    # with a 1 V ceiling and a 50 mV logit unit the read-out's membranes stay mostly inside
    # (measured: winners' median peak 0.69 V, largest 1.58 V); the same network trained without
    # either peaks at volts (2.15 V median, 3.46 V largest)
    peaks, accs = [], []
    for strength, scale in ((0.0, None), (10.0, 0.05)):
        net = {"readout": "membrane", **({"readout_scale": scale} if scale else {})}
        cfg = small_cfg(run={"epochs": 10, "batch_size": 64}, network=net,
                        regularization={"membrane_max": 1.0, "membrane_strength": strength})
        out = tmp_path / f"s{strength:g}"
        accs.append(train(cfg, out, progress=False, plots=False, log=lambda s: None)["val_acc"])
        exp = build(cfg)
        ck = load_checkpoint(out)
        exp.net.load_state_dict(ck["best"]["state"] if ck["best"].get("state") is not None else ck["net"])
        x, _ = next(iter(exp.splits.val.batches(200)))
        with torch.no_grad():
            v = exp.net(exp.encoder(x, exp.n_steps, exp.dt)).v_out
        peaks.append((float(v.max(0).values.max(1).values.median()), float(v.max())))  # winners' median, largest
    assert peaks[0][0] > 1.5 and peaks[1][0] < 1.0 and peaks[1][1] < 0.6 * peaks[0][1], peaks
    assert accs[1] > 0.5, accs  # the read-out still classifies (measured 67 % against 87 % without the rails)


def test_a_weight_average_follows_its_recursion_and_swaps_back():
    net = tiny_net(IdealConductance(1e-9, 50e-9))
    avg = WeightAverage(net, 0.75)
    start = [p.detach().clone() for p in net.parameters()]
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(0.5)
    for _ in range(3):
        avg.update()
    # avg_k = theta + decay^k (theta_0 - theta) for a constant theta
    for a, s, p in zip(avg.average, start, net.parameters()):
        assert torch.allclose(a, p + 0.75**3 * (s - p))
    trained = [p.detach().clone() for p in net.parameters()]
    with avg.swapped():
        for p, a in zip(net.parameters(), avg.average):
            assert torch.equal(p, a)
    for p, t in zip(net.parameters(), trained):
        assert torch.equal(p, t)
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(net, 1.0)


def test_the_weight_average_is_validated_saved_and_resumed(tmp_path):
    """``[optimizer] ema``: the averaged net is the one selected and saved (here the refit keeps
    the last epoch), it stays inside the device range, and a killed run resumes its average."""
    cfg = small_cfg(optimizer={"ema": 0.8}, data={"refit": True},
                    synapse={"component": "memristor_vteam", "model": VTEAM_NS})
    train(cfg, tmp_path / "full", progress=False, plots=False, log=lambda s: None)

    kill_and_resume(cfg, tmp_path / "killed", epoch=2, batch=1)
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)
    b = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)
    for k in a["ema"]:
        assert torch.equal(a["ema"][k], b["ema"][k]), k
        assert torch.equal(a["best"]["state"][k], a["ema"][k]), k
        assert not torch.equal(a["net"][k], a["ema"][k]), k
        assert a["ema"][k].abs().max() <= 1.0
    # the saved model's conductances are the averaged ones
    _, arrays = load_trained(tmp_path / "full" / "model")
    net = build(cfg).net
    initial = net.state_dict()
    assert all(not torch.equal(initial[k], a["ema"][k]) for k in a["ema"])
    net.load_state_dict(a["best"]["state"])
    for name, syn in net.arrays():
        assert np.array_equal(syn.conductances(torch.float64)[0].detach().numpy(), arrays[f"{name}.g_pos"])


def test_label_smoothing_reaches_the_training_loss(tmp_path):
    """Smoothed targets put a floor under the cross-entropy: the entropy of the smoothed target
    distribution, which the plain run's loss goes below."""
    eps, k = 0.9, 10
    q = np.full(k, eps / k)
    q[0] += 1 - eps
    floor = float(-(q * np.log(q)).sum())
    plain = small_cfg(run={"epochs": 4})
    smooth = small_cfg(run={"epochs": 4}, optimizer={"label_smoothing": eps})
    loss = {}
    for name, cfg in (("plain", plain), ("smooth", smooth)):
        train(cfg, tmp_path / name, progress=False, plots=False, log=lambda s: None)
        rows = (tmp_path / name / "metrics.csv").read_text().splitlines()[1:]
        loss[name] = [float(r.split(",")[1]) for r in rows]
    assert loss["plain"][-1] < floor <= min(loss["smooth"])
