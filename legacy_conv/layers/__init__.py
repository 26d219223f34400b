"""The sixteen Keras 1 convolutional layers."""
