"""Plain data that describes Keras 1: weight layouts and layer tables. No TensorFlow here."""
