"""Keras 1's gradients at the kinks against Keras 3's built-ins, forward and backward (one
compiled step's gradients), timed interleaved; the median of paired CPU-time ratios:

- a 'th' Convolution2D on keras1_backend='theano' with relu: Theano's relu gradient at 0
  (a custom gradient, `activations.THEANO`) against tf.nn.relu's;
- after a Convolution2D, Keras 1's LeakyReLU (ours, on TensorFlow: relu(x) - alpha *
  relu(-x)) against Keras 3's `LeakyReLU`, and `Keras1PReLU` against Keras 3's `PReLU`.

  python benchmarks/bench_theano_relu.py [--quick]
"""
import argparse
import resource
import statistics

import keras
import numpy as np
import tensorflow as tf

import legacy_conv


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def conv(relu=None):
    layer = legacy_conv.Convolution2D(16, 3, 3, activation="relu", border_mode="same",
                                      dim_ordering="th", keras1_backend="theano")
    if relu is not None:
        layer.activation = relu
    return layer


def step_of(layers, x):
    model = keras.Sequential(layers)
    model(x)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        return tape.gradient(loss, model.trainable_weights)
    step()
    return step


# name -> (ours, Keras 3's): layer lists, made fresh for each
CASES = {
    "Theano-gradient relu / tf.nn.relu": (
        lambda: [conv(legacy_conv.activations.THEANO["relu"])],
        lambda: [conv(legacy_conv.activations.relu)]),
    "LeakyReLU (ours, tensorflow) / keras.layers.LeakyReLU": (
        lambda: [conv(), legacy_conv.LeakyReLU(0.3, keras1_backend="tensorflow")],
        lambda: [conv(), keras.layers.LeakyReLU(0.3)]),
    "Keras1PReLU (tensorflow) / keras.layers.PReLU": (
        lambda: [conv(), legacy_conv.Keras1PReLU(keras1_backend="tensorflow")],
        lambda: [conv(), keras.layers.PReLU()]),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    pairs, reps = (7, 5) if args.quick else (31, 20)
    x = tf.constant(np.random.RandomState(0).randn(16, 8, 32, 32), tf.float32)
    for name, makers in CASES.items():
        steps = [step_of(make(), x) for make in makers]
        ratios = []
        for _ in range(pairs):
            times = []
            for step in steps:
                t = cpu()
                for _ in range(reps):
                    step()
                times.append(cpu() - t)
            ratios.append(times[0] / times[1])
        q = statistics.quantiles(ratios, n=4)
        print(f"{name}, conv fwd+bwd CPU time: median {statistics.median(ratios):.3f} "
              f"(quartiles {q[0]:.3f}-{q[2]:.3f}, {pairs} pairs)")


if __name__ == "__main__":
    main()
