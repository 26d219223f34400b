'''A small Keras 1 text classifier over word ids (the style of examples/imdb_cnn.py).'''
import keras
from keras.models import Sequential

vocabulary = 30
maxlen = 12


def build_model():
    model = Sequential()
    model.add(keras.layers.Embedding(vocabulary, 6, input_length=maxlen, name='words'))
    model.add(keras.layers.Convolution1D(5, 3, border_mode='same', init='he_uniform',
                                         activation='relu', name='conv'))
    model.add(keras.layers.MaxPooling1D(pool_length=2))
    model.add(keras.layers.Convolution1D(5, 3, activation='relu', name='conv2'))
    model.add(keras.layers.GlobalMaxPooling1D())
    model.add(keras.layers.Dense(1, activation='sigmoid', name='out'))
    return model


def make_inputs(rng):
    return [rng.randint(0, vocabulary, size=(2, maxlen)).astype('int32')]
