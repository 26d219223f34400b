"""Keras 1.2.2's activations (`keras/activations.py`): names, exact Keras 3 equivalents, where
their gradients at the kinks differ (`KINKS`), and the numbers hard_sigmoid is built from.
Plain data."""

# Keras 1 name -> the Keras 3 built-in activation that computes the same (checked against
# Keras 1.2.2's outputs on both backends), or None: ours, registered as "legacy_conv>name".
# Keras 3's softmax also accepts the 4D+ tensors that Keras 1 refused (`RANKS`), which no
# loadable Keras 1 model contains.
KERAS3 = {
    "linear": "linear", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid",
    "hard_sigmoid": None, "softplus": "softplus", "softsign": "softsign", "elu": "elu",
    "softmax": "softmax",
}

# Where a Keras 3 built-in computes Keras 1's values but not its gradient at a kink (what
# training sees on dead or saturated units): Keras 1 name (an activation, or an advanced
# activation layer) -> (the Keras 3 built-in's gradient there, {Keras 1 backend: Keras 1's}),
# observed with Keras 1.2.2 (tests/fixtures/keras1_scripts/<backend>/kinks.json). There the
# legacy target computes Keras 1's own (`legacy_conv.activations`, our layers); the native
# target keeps the built-in and says so (`kink_note`).
KINKS = {
    "relu": ("0 at 0", {"theano": "0.5 at 0 (T.nnet.relu: 0.5 * (x + |x|))"}),
    "LeakyReLU": ("alpha at 0", {"theano": "0.5 * (1 + alpha) at 0 (T.nnet.relu(x, alpha))",
                                 "tensorflow": "0 at 0 (relu(x) - alpha * relu(-x))"}),
    "PReLU": ("0 at 0", {"theano": "0.5 * (1 + alphas) at 0 (relu(x) + alphas * (x - |x|) "
                                   "/ 2, T.nnet.relu's gradient 0.5 at 0)",
                         "tensorflow": "0.5 * alphas at 0 (relu(x) + alphas * (x - |x|) / 2)"}),
    # hard_sigmoid's native form in the LSTM/GRU gates: Keras 3's hard_sigmoid of weights
    # scaled by 1.2 (`native.objects`). (Its form after a layer, Rescaling(0.2, offset=0.5)
    # then ReLU(max_value=1), has Keras 1's gradients but 0 at x = -2.5 where TensorFlow's
    # clip_by_value had 0.2: not noted, as no pre-activation is exactly -2.5 in practice, and
    # that form is several layers, which migrate and inspect say.)
    "hard_sigmoid gates": ("0 at both ends (natively Keras 3's hard_sigmoid, relu6-based)",
                           {"tensorflow": "0.2 at both ends (clip_by_value)",
                            "theano": "0.2 at x = 2.5 (T.nnet.hard_sigmoid)"}),
}


def kink_note(name, keras1_backend):
    """What the native target tells where Keras 3's `name` trains otherwise at a kink, or ''."""
    keras3, keras1 = KINKS.get(name, (None, {}))
    if keras1_backend not in keras1:
        return ""
    return (f"training: Keras 1's {name} on {keras1_backend} had the gradient "
            f"{keras1[keras1_backend]}, Keras 3's {keras3} (units exactly there train otherwise)")


# Activations that Keras 1 allows only on outputs of these ranks.
RANKS = {"softmax": (2, 3)}

# Keras 1's hard_sigmoid(x) = clip(SLOPE * x + OFFSET, 0, 1); Keras 3's is relu6(x + 3) / 6
# = clip(x / 6 + 0.5, 0, 1): the same offset, a slope of 1/6. So Keras 1's is Keras 3's of
# x scaled by SLOPE / (1/6) = 1.2 (the LSTM/GRU gates' weights, natively).
HARD_SIGMOID_SLOPE = 0.2
HARD_SIGMOID_OFFSET = 0.5
KERAS3_HARD_SIGMOID_SLOPE = 1 / 6
HARD_SIGMOID_SCALE = 1.2  # HARD_SIGMOID_SLOPE / KERAS3_HARD_SIGMOID_SLOPE, as written

HARD_SIGMOID = f"clip({HARD_SIGMOID_SLOPE} x + {HARD_SIGMOID_OFFSET}, 0, 1)"
KERAS3_HARD_SIGMOID = "relu6(x + 3) / 6"
# What a reader is told where Keras 1's hard_sigmoid meets Keras 3's.
HARD_SIGMOID_DRIFT = f"Keras 1's hard_sigmoid is {HARD_SIGMOID}, Keras 3's {KERAS3_HARD_SIGMOID}"
