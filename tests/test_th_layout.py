"""A 'th' model keeps its activations channels-last between consecutive 'th' layers.

Each 'th' layer still reads and returns Keras 1's channels-first tensors; inside a model
(a graph) a layer whose input is the previous layer's channels-last result transposed (or
a ReLU of it) reads that result instead (`_ops.channels_last_source`), so the only
transposes left on activations are where Keras 1's layout is observable: the model's input
and output, Flatten, and any layer output the user reads (Grappler removes the pairs around
Keras 3's built-in layers, such as a channels-first MaxPooling2D, which transpose on their
own). The numbers are Keras 1's (the fixtures, through `tf.function`) and those of the same
layers called one by one.
"""

import functools
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from legacy_conv import _ops
from _fixtures import MODEL_TOLERANCE, MODELS, model_io

# fixture -> activation transposes left in its 'th' model's graph
MODELS_TH = {
    # conv, pool, pad, upsample, deconv, crop, conv: the input's and the output's
    "autoencoder_th": 2,
    # conv3d, pool, pad, upsample, crop, conv3d, Flatten: the input's and Flatten's
    "conv3d": 2,
    # conv, conv, pool, conv, Flatten: the input's and Flatten's
    "vgg_th": 2,
    # LocallyConnected2D, LocallyConnected2D, pool, Flatten: the input's and Flatten's
    "local2d_th": 2,
}
FOLDERS = ("k122_tensorflow", "k122_theano")


def _load(folder, name):
    backend = folder.split("_")[1]
    return legacy_conv.load_model(str(MODELS / folder / f"{name}.h5"), compile=False,
                                  keras1_backend=backend)


def _activation_transposes(function, x):
    """Transpose ops on activations (not on kernels) in the graph that TensorFlow runs
    (after Grappler, which also removes a transpose pair where a Keras 3 built-in layer,
    such as a channels-first MaxPooling2D, transposes a 'th' layer's output back)."""
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.grappler import tf_optimizer

    concrete = tf.function(function).get_concrete_function(tf.TensorSpec(x.shape, tf.float32))
    graph = concrete.graph
    meta = tf.compat.v1.train.export_meta_graph(graph_def=graph.as_graph_def(), graph=graph)
    meta.collection_def["train_op"].node_list.value.extend(t.name for t in concrete.outputs)
    nodes = {n.name: n for n in tf_optimizer.OptimizeGraph(config_pb2.ConfigProto(), meta).node}
    source = concrete.inputs[0].op.name

    @functools.lru_cache(maxsize=None)
    def on_activations(name):  # depends on the model's input
        return name == source or any(on_activations(i.split(":")[0].lstrip("^"))
                                     for i in nodes[name].input)

    return sum(n.op == "Transpose" and on_activations(n.input[0].split(":")[0])
               for n in nodes.values())


def _layer_by_layer(model, x):
    """The model's layers called one by one, each on a tensor that is no transpose's
    output (times 1): each transposes on its own."""
    for layer in model.layers:
        x = layer(x * 1.0, training=False)
    return x


def _conv(name, activation, **config):
    return {"class_name": "Convolution2D", "config": dict(
        name=name, nb_filter=4, nb_row=3, nb_col=3, init="glorot_uniform",
        activation=activation, border_mode="same", subsample=[1, 1], dim_ordering="th",
        bias=True, **config)}


def _activation(name, activation):
    return {"class_name": "Activation", "config": {"name": name, "activation": activation}}


# Keras 1's Activation layers between 'th' convolutions (Keras 3 Activation layers on the
# channels-first outputs): a ReLU passes the channels-last result on, a tanh does not.
ACTIVATIONS_TH = {"class_name": "Sequential", "config": [
    _conv("c1", "linear", batch_input_shape=[None, 3, 8, 7]), _activation("a1", "relu"),
    _conv("c2", "linear"), _activation("a2", "tanh"), _conv("c3", "relu"),
    {"class_name": "Flatten", "config": {"name": "f"}}]}


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", sorted(MODELS_TH))
def test_graph_transposes_only_at_observable_boundaries(folder, name):
    model = _load(folder, name)
    (x,), _, _ = model_io(MODELS / folder, name)
    assert _activation_transposes(lambda t: model(t, training=False), x) == MODELS_TH[name]


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", sorted(MODELS_TH))
def test_graph_gives_keras1_numbers_and_the_layers_one_by_one(folder, name):
    model = _load(folder, name)
    (x,), (y,), _ = model_io(MODELS / folder, name)
    graph = tf.function(lambda t: model(t, training=False))(tf.constant(x)).numpy()
    np.testing.assert_allclose(graph, y, **MODEL_TOLERANCE)
    np.testing.assert_array_equal(graph, _layer_by_layer(model, tf.constant(x)).numpy())


@pytest.mark.parametrize("name", ["autoencoder_th", "conv3d"])
def test_gradients_equal_the_layers_one_by_one(name):
    model = _load("k122_tensorflow", name)
    (x,), (y,), _ = model_io(MODELS / "k122_tensorflow", name)
    x, dy = tf.constant(x), tf.constant(np.random.default_rng(0).standard_normal(
        y.shape).astype(np.float32))

    def gradients(call, t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            out = call(t)
        return tape.gradient(out, [t] + model.trainable_variables, output_gradients=dy)

    graph = tf.function(lambda t: gradients(lambda u: model(u, training=False), t))(x)
    alone = tf.function(lambda t: gradients(lambda u: _layer_by_layer(model, u), t))(x)
    for g, e in zip(graph, alone):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-6, atol=1e-6)


def test_a_layer_output_the_user_reads_stays_channels_first():
    model = _load("k122_tensorflow", "autoencoder_th")
    (x,), _, _ = model_io(MODELS / "k122_tensorflow", "autoencoder_th")
    names = [layer.name for layer in model.layers]
    reads = keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    outs = reads.predict(x, verbose=0)
    t = tf.constant(x)
    for layer, out in zip(model.layers, outs):
        t = layer(t)
        assert out.shape == tuple(t.shape)  # Keras 1's channels-first shapes
        np.testing.assert_array_equal(out, t.numpy())


@pytest.mark.parametrize("rank", [3, 4, 5])
def test_channels_last_source(rank):
    shape = (2,) + tuple(range(3, 3 + rank - 1))
    found = []

    def trace(t):
        found.append((_ops.channels_last_source(_ops.to_channels_first(t)) is t,
                      _ops.channels_last_source(tf.transpose(t)),
                      _ops.channels_last_source(t)))
        return t

    tf.function(trace).get_concrete_function(tf.TensorSpec(shape))
    assert found == [(True, None, None)]
    assert _ops.channels_last_source(_ops.to_channels_first(tf.zeros(shape))) is None  # eager


def test_relu_layers_between_th_layers_keep_the_chain():
    model = legacy_conv.model_from_json(json.dumps(ACTIVATIONS_TH))
    x = tf.constant(np.random.default_rng(0).standard_normal((2, 3, 8, 7)).astype(np.float32))
    # the input's, the two around the tanh, Flatten's
    assert _activation_transposes(lambda t: model(t, training=False), x) == 4
    graph = tf.function(lambda t: model(t, training=False))(x)
    np.testing.assert_array_equal(graph.numpy(), _layer_by_layer(model, x).numpy())
