"""A 'th' Convolution2D on keras1_backend='theano' with relu, forward and backward (one
compiled step's gradients): Theano's relu gradient at 0 (a custom gradient,
`activations.THEANO`) against tf.nn.relu's, timed interleaved; the median of paired
CPU-time ratios.

  python benchmarks/bench_theano_relu.py [--quick]
"""
import argparse
import resource
import statistics

import numpy as np
import tensorflow as tf

import legacy_conv


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def step_of(relu, x):
    layer = legacy_conv.Convolution2D(16, 3, 3, activation="relu", border_mode="same",
                                      dim_ordering="th", keras1_backend="theano")
    layer.activation = relu
    layer(x)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x))
        return tape.gradient(loss, layer.trainable_weights)
    step()
    return step


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    pairs, reps = (7, 5) if args.quick else (31, 20)
    x = tf.constant(np.random.RandomState(0).randn(16, 8, 32, 32), tf.float32)
    steps = {"tf.nn.relu": step_of(legacy_conv.activations.relu, x),
             "theano": step_of(legacy_conv.activations.THEANO["relu"], x)}
    ratios = []
    for _ in range(pairs):
        times = {}
        for b, step in steps.items():
            t = cpu()
            for _ in range(reps):
                step()
            times[b] = cpu() - t
        ratios.append(times["theano"] / times["tf.nn.relu"])
    q = statistics.quantiles(ratios, n=4)
    print(f"Theano-gradient relu / tf.nn.relu, conv fwd+bwd CPU time: median {statistics.median(ratios):.3f} "
          f"(quartiles {q[0]:.3f}-{q[2]:.3f}, {pairs} pairs)")


if __name__ == "__main__":
    main()
