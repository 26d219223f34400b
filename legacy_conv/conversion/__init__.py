"""Keras 1 model configs and files → Keras 3: layer rules, graphs, weights, training."""
