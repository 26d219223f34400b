'''A small Keras 1 image classifier (the style of Keras 1's examples/mnist_cnn.py).'''
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation, Flatten
from keras.layers import Convolution2D, MaxPooling2D
from keras.regularizers import l2

IMAGE_DIM_ORDERING = 'tf'  # keras.json on the machine that trained it

nb_classes = 4
nb_filters = 8
kernel_size = (3, 3)
input_shape = (14, 14, 1)


def build_model():
    model = Sequential()
    model.add(Convolution2D(nb_filters, kernel_size[0], kernel_size[1],
                            border_mode='valid', input_shape=input_shape, name='conv1'))
    model.add(Activation('relu'))
    model.add(Convolution2D(nb_filters, kernel_size[0], kernel_size[1],
                            subsample=(2, 2), W_regularizer=l2(0.01), name='conv2'))
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(16, init='he_normal', name='dense1'))
    model.add(Activation('relu'))
    model.add(Dense(nb_classes, name='dense2'))
    model.add(Activation('softmax'))
    return model
