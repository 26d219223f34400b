"""Which argument a Keras 1 error was about, read from the message Keras 1 recorded, and the
check that our error names the same argument (and the value the case gave it).

Used by the Keras 1 error cases of tests/test_layers_keras1.py and
tests/test_core_layers_keras1.py.
"""

import ast
import inspect
import re

# Our errors read 'Class layer "name": `argument` ... Received: argument=value'.
NAMES_THE_ARGUMENT = re.compile(r'(\w+) layer "[^"]*": `(\w+)')
RECEIVED = re.compile(r"Received: (\w+)=(.*)\Z", re.S)
# The argument at fault, from the first line of the error Keras 1 (or its backend) raised; the
# first pattern that matches decides, and of its arguments the first one the case gave (the input
# is always given), else any of them. Other errors ('tuple index out of range', a graph
# execution error, none) allow any argument the case gave, or the input.
KERAS1_ERROR_ARGUMENT = [
    (r"only available with TensorFlow", "keras1_backend"),  # or an argument checked first
    (r"[Ii]nvalid border mode", "border_mode"),
    (r"dim_ordering", "dim_ordering"),
    (r"softmax", "activation"),
    (r"filter_dilation", "atrous_rate"),
    (r"CorrMM shape inconsistency|input_sizes|Dimensions must be equal|Input dimension mis-match",
     "output_shape", "axis"),
    (r"Negative dimension size", "pool_length", "pool_size", "input"),
    (r"impossible output shape|is incompatible with layer", "input"),
    (r"^(Attr 'strides'|Invalid strides|strides|subsample)|stride attribute", "subsample",
     "subsample_length"),
    (r"weight shape|set_weights", "weights"),
    (r"[Ii]nvalid merge mode", "mode"),
    (r"batch axis|could not broadcast", "dot_axes"),  # Merge dot/cos over axis 0
    (r"can only merge|can be merged|merge takes exactly|using dot mode|list of layers", "inputs"),
    (r"`(\w+)`", None),  # Keras 1 named it: `cropping`, `padding`, `border_mode`
]


def keras1_argument(keras1_error, given):
    """The arguments our error may name for the error Keras 1 recorded (None: it ran), for a
    case that gave the arguments `given`."""
    keras1 = (keras1_error or {}).get("message", "").partition("\n")[0]  # not Theano's node dump
    for pattern, *names in KERAS1_ERROR_ARGUMENT:
        found = re.search(pattern, keras1)
        if not found:
            continue
        if names == [None]:
            return {found.group(1)}
        if "keras1_backend" in names:
            return set(names) | given
        first = next((name for name in names if name in given | {"input"}), None)
        return {first} if first else set(names)
    return given | {"input"}


def assert_names_the_argument(cls, args, kwargs, keras1_error, message):
    """Our error `message` names the class `cls`, the argument Keras 1's error was about (for a
    case that called `cls(*args, **kwargs)`), and the value the case gave it."""
    named = NAMES_THE_ARGUMENT.match(message)
    assert named and named.group(1) == cls.__name__, message
    argument = named.group(2)
    given = dict(zip(inspect.signature(cls).parameters, args), **kwargs)
    assert argument in keras1_argument(keras1_error, set(given)), (
        message, (keras1_error or {}).get("message", "").partition("\n")[0])
    if argument in given:
        assert_received(message, argument, given[argument])


def assert_received(message, argument, value):
    """The message ends with 'Received: argument=<value>' (a literal for a value that has one;
    an int given for a tuple argument may be received repeated)."""
    received = RECEIVED.search(message)
    assert received and received.group(1) == argument, message
    try:
        text = ast.literal_eval(received.group(2))
    except (ValueError, SyntaxError):
        return  # a description ('<3 arrays>'), not the value
    if isinstance(text, str) and not isinstance(value, str):
        return
    ours, theirs = _plain(text), _plain(value)
    assert ours == theirs or (isinstance(ours, list) and ours and all(
        v == theirs for v in ours)), (message, value)


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
