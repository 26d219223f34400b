"""Keras 1.2.2's merge modes (`Merge`/`merge` in `keras/engine/topology.py`, and
`Bidirectional`'s `merge_mode`). Plain data."""

# Merge mode, in Keras 1's order -> (the Keras 3 merge layer that computes the same,
# {its argument: the Keras 1 argument that gives it}), or None where none does: 'dot' and
# 'cos' ran Keras 1's batch_dot, whose axes depend on the inputs' ranks and the backend.
KERAS3 = {
    "sum": ("Add", {}), "mul": ("Multiply", {}),
    "concat": ("Concatenate", {"axis": "concat_axis"}), "ave": ("Average", {}),
    "cos": None, "dot": None, "max": ("Maximum", {}),
}
MODES = tuple(KERAS3)
EXACT = tuple(mode for mode, keras3 in KERAS3.items() if keras3)
DEFAULT = "sum"

SAME_SHAPE = ("sum", "mul", "ave", "cos", "max")  # inputs must all have one shape
PAIRWISE = ("cos", "dot")  # exactly two inputs
# Modes whose output mask is all the inputs' masks (and-ed); 'concat' joins them, 'dot'
# and 'cos' give none, 'max' refused masked inputs ("Invalid merge mode: max").
MASK_AND = ("sum", "mul", "ave")
COS_EPSILON = 1e-7  # Keras 1's default K.epsilon(), the floor of cos's denominator

# `Bidirectional(merge_mode=...)`: None returns both directions' outputs.
BIDIRECTIONAL_MODES = ("sum", "mul", "ave", "concat", None)
