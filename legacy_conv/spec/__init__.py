"""Plain data that describes Keras 1; no TensorFlow here, and every other part reads it.

- `layers`: one record per public Keras 1.2.2 layer class (what it becomes, its argument
  map, weights, dim_ordering, backend), read with Keras 1's own signatures;
- `keras1_signatures`: Keras 1.2.2's signatures (generated inside Keras 1.2.2);
- `weights`: kernel layouts; `activations`, `initializers`, `merge`, `releases`: Keras 1's
  activations, initializations, merge modes and the differences between its releases;
- `page`: the guide's supported-layers page, generated from `layers`.
"""
