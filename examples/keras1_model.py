"""A Keras 1 model definition, as found in a Keras 1 codebase.

Only the import of the convolutional layers changed (`keras.layers` -> `legacy_conv`);
`Flatten` and `Dense` mean the same in Keras 1 and Keras 3. make_example_data.py runs this
same code in the real Keras 1.2.2 (with `from keras.layers import ...`).
"""


def build(layers, Sequential, **conv_kwargs):
    """`layers` provides the Keras 1 convolutional layers, Flatten and Dense."""
    model = Sequential()
    model.add(layers.Convolution2D(8, 3, 3, border_mode="same", activation="relu",
                                   input_shape=(3, 16, 16), dim_ordering="th", **conv_kwargs))
    model.add(layers.ZeroPadding2D((1, 1), dim_ordering="th"))
    model.add(layers.Convolution2D(8, 4, 4, subsample=(2, 2), border_mode="same",
                                   activation="relu", dim_ordering="th", **conv_kwargs))
    model.add(layers.Cropping2D(((1, 0), (0, 1)), dim_ordering="th"))
    model.add(layers.UpSampling2D((2, 2), dim_ordering="th"))
    model.add(layers.AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2), activation="tanh",
                                         dim_ordering="th", **conv_kwargs))
    model.add(layers.Flatten())
    model.add(layers.Dense(3, activation="softmax"))
    return model
