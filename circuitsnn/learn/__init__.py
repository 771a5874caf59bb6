"""Learning on the fitted devices and neurons: networks that are models of the circuit.

The data flows one way: data sets (:mod:`.data`) -> encoders (:mod:`.encode`, once per batch)
-> device synapse arrays read at virtual ground (:mod:`.layers`, any family through its weight
interface; signed weights as differential pairs, bounds, quantization, read nonlinearity) ->
LIF neuron layers from the fitted neuron surrogates (:mod:`.neurons`, pluggable surrogate
gradients from :mod:`.surrogate`) -> loss with activity regularization (:mod:`.regularize`) and
L1 on conductances (:mod:`.prune`), chips and noise for hardware-aware training
(:mod:`.hardware`) -> the trainer (:mod:`.trainer`: config :mod:`.config`, checkpoints and
the saved model :mod:`.checkpoint`, plots :mod:`.plots`) -> NIR export (:mod:`.export_nir`).

What later learners reuse (plasticity, STDP, deployment):

* ``data.load(name, **options) -> Splits(train, val, test)`` and the loaders; fixed splits;
* ``encode.Encoder(kind, ...)(x, n_steps, dt, generator=g) -> (T, B, F)`` and the functions
  ``poisson``, ``latency``, ``direct``, ``times``;
* ``layers.DeviceModel(weight_interface, amplitudes)`` (range, quantizer, read tables),
  ``layers.DeviceSynapses`` (a crossbar: ``conductances()``, ``states()``, ``effective()``,
  ``project()``), ``layers.PulseSpec``, ``layers.DeviceNetwork``;
* ``neurons.LIFNeurons`` / ``neurons.lif_train_step``; ``surrogate.SpikeFunction``;
* ``ideal.IdealConductance`` (the ideal-weights baseline behind the weight interface);
* ``hardware.sample_chip`` / ``on_chip`` / ``evaluate_chips``;
* ``checkpoint.load_trained(model_dir) -> (model.json, arrays)`` for deployment.

Nothing here runs SPICE or names a device family.
"""
