"""The Keras 1 layers of this package, one module per family."""
