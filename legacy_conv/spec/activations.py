"""Keras 1.2.2's activations (`keras/activations.py`): names, exact Keras 3 equivalents, and
the numbers hard_sigmoid is built from. Plain data."""

# Keras 1 name -> the Keras 3 built-in activation that computes the same (checked against
# Keras 1.2.2's outputs on both backends), or None: ours, registered as "legacy_conv>name".
# Keras 3's softmax also accepts the 4D+ tensors that Keras 1 refused (`RANKS`), which no
# loadable Keras 1 model contains.
KERAS3 = {
    "linear": "linear", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid",
    "hard_sigmoid": None, "softplus": "softplus", "softsign": "softsign", "elu": "elu",
    "softmax": "softmax",
}

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
