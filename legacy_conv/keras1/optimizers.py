"""Keras 1.2.2's optimizers as Keras 3 optimizers: `model.compile(optimizer=SGD(lr=0.1))`.

Each class takes Keras 1's arguments and defaults (`lr`, `decay`, `momentum`, `rho`, `epsilon`,
`beta_1`, `beta_2`, `schedule_decay`, `clipnorm`, `clipvalue`) and applies Keras 1's update
rule: the rate decayed per update as lr / (1 + decay * iterations), Keras 1's epsilon
placement and bias corrections, and Keras 1's clipping (`clipnorm` on the norm of all the
gradients together, then `clipvalue`), which Keras 3's optimizers of the same names differ
from. `set_keras1_weights` loads a Keras 1 file's `optimizer_weights`, so that training
resumes where Keras 1 stopped.
"""

import keras
import tensorflow as tf
from keras import ops

from legacy_conv import _validation
from legacy_conv.spec import training as spec


class Keras1Optimizer(keras.optimizers.Optimizer):
    """Base of Keras 1's optimizers: arguments, decay, clipping and state from the spec
    record of the subclass's name; a subclass gives only `_rule`."""

    def __init__(self, name=None, **kwargs):
        record = spec.OPTIMIZERS[type(self).__name__]
        for key in kwargs:
            if key not in dict(record.arguments) and key not in spec.CLIPPING:
                # Keras 1's own TypeError text.
                raise TypeError(f"Unexpected keyword argument passed to optimizer: {key}")
        config = {**dict(record.arguments), **kwargs}
        for key, value in config.items():
            if key != "nesterov":
                _validation.check_number(type(self).__name__, key, value)
        super().__init__(learning_rate=config["lr"], name=name or type(self).__name__.lower())
        self.keras1_config = config

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._slots = [[self.add_variable_from_reference(v, slot) for v in variables]
                       for slot in spec.OPTIMIZERS[type(self).__name__].slots]
        self._build_step_state()

    def _build_step_state(self):
        """Per-update (not per-parameter) state beyond `iterations`: Nadam's schedule."""

    def keras1_state(self):
        """The variables of Keras 1's `get_weights()`, in its order."""
        iterations = [self.iterations] if spec.OPTIMIZERS[type(self).__name__].saves_iterations \
            else []
        return iterations + [v for slot in self._slots for v in slot]

    def apply(self, grads, trainable_variables=None):
        # An Embedding's gradient is sparse (IndexedSlices): Keras 1 updated it densely.
        grads = [None if g is None else tf.convert_to_tensor(g) for g in grads]
        clipnorm = self.keras1_config.get("clipnorm", 0)
        if clipnorm > 0:
            norm = ops.sqrt(sum(ops.sum(ops.square(g)) for g in grads if g is not None))
            grads = [None if g is None else ops.where(norm >= clipnorm, g * clipnorm / norm, g)
                     for g in grads]
        clipvalue = self.keras1_config.get("clipvalue", 0)
        if clipvalue > 0:
            grads = [None if g is None else ops.clip(g, -clipvalue, clipvalue) for g in grads]
        super().apply(grads, trainable_variables)
        self._after_step()

    def _after_step(self):
        """Updates the per-update state after all the parameters moved."""

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        iterations = ops.cast(self.iterations, dtype)
        decay = self.keras1_config.get("decay", 0.0)
        if decay > 0:
            lr = lr * (1.0 / (1.0 + decay * iterations))
        index = self._get_variable_index(variable)
        slots = [slot[index] for slot in self._slots]
        new_p, new_slots = self._rule(ops.cast(gradient, dtype), variable, lr,
                                      iterations + 1.0, [ops.convert_to_tensor(s) for s in slots])
        for slot, value in zip(slots, new_slots):
            self.assign(slot, value)
        self.assign(variable, new_p)

    def _rule(self, g, p, lr, t, slots):
        """Keras 1's update of one parameter: (new parameter, new slot values)."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, **dict(self.keras1_config)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _register(cls):
    return keras.saving.register_keras_serializable(package="legacy_conv")(cls)


@_register
class SGD(Keras1Optimizer):
    """Keras 1's SGD(lr=0.01, momentum=0., decay=0., nesterov=False, **clipping)."""

    def _rule(self, g, p, lr, t, slots):
        c = self.keras1_config
        v = c["momentum"] * slots[0] - lr * g
        new_p = p + c["momentum"] * v - lr * g if c["nesterov"] else p + v
        return new_p, [v]


@_register
class RMSprop(Keras1Optimizer):
    """Keras 1's RMSprop(lr=0.001, rho=0.9, epsilon=1e-8, decay=0., **clipping)."""

    def _rule(self, g, p, lr, t, slots):
        rho = self.keras1_config["rho"]
        a = rho * slots[0] + (1.0 - rho) * ops.square(g)
        return p - lr * g / (ops.sqrt(a) + self.keras1_config["epsilon"]), [a]


@_register
class Adagrad(Keras1Optimizer):
    """Keras 1's Adagrad(lr=0.01, epsilon=1e-8, decay=0., **clipping)."""

    def _rule(self, g, p, lr, t, slots):
        a = slots[0] + ops.square(g)
        return p - lr * g / (ops.sqrt(a) + self.keras1_config["epsilon"]), [a]


@_register
class Adadelta(Keras1Optimizer):
    """Keras 1's Adadelta(lr=1.0, rho=0.95, epsilon=1e-8, decay=0., **clipping)."""

    def _rule(self, g, p, lr, t, slots):
        rho, eps = self.keras1_config["rho"], self.keras1_config["epsilon"]
        a = rho * slots[0] + (1.0 - rho) * ops.square(g)
        update = g * ops.sqrt(slots[1] + eps) / ops.sqrt(a + eps)
        return p - lr * update, [a, rho * slots[1] + (1.0 - rho) * ops.square(update)]


@_register
class Adam(Keras1Optimizer):
    """Keras 1's Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, decay=0., **clipping)."""

    def _rule(self, g, p, lr, t, slots):
        b1, b2 = self.keras1_config["beta_1"], self.keras1_config["beta_2"]
        lr_t = lr * (ops.sqrt(1.0 - ops.power(b2, t)) / (1.0 - ops.power(b1, t)))
        m = b1 * slots[0] + (1.0 - b1) * g
        v = b2 * slots[1] + (1.0 - b2) * ops.square(g)
        return p - lr_t * m / (ops.sqrt(v) + self.keras1_config["epsilon"]), [m, v]


@_register
class Adamax(Keras1Optimizer):
    """Keras 1's Adamax(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-8, decay=0., **clipping)."""

    def _rule(self, g, p, lr, t, slots):
        b1, b2 = self.keras1_config["beta_1"], self.keras1_config["beta_2"]
        lr_t = lr / (1.0 - ops.power(b1, t))
        m = b1 * slots[0] + (1.0 - b1) * g
        u = ops.maximum(b2 * slots[1], ops.abs(g))
        return p - lr_t * m / (u + self.keras1_config["epsilon"]), [m, u]


@_register
class Nadam(Keras1Optimizer):
    """Keras 1's Nadam(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-8, schedule_decay=0.004,
    **clipping): no `decay`; its momentum schedule restarts at 1 after `load_model`, as Keras 1's
    (which did not save it)."""

    def _build_step_state(self):
        self.m_schedule = self.add_variable((), initializer="ones", name="m_schedule")

    def _momentum_cache(self, t):
        c = self.keras1_config
        return c["beta_1"] * (1.0 - 0.5 * ops.power(0.96, t * c["schedule_decay"]))

    def _rule(self, g, p, lr, t, slots):
        c = self.keras1_config
        b1, b2 = c["beta_1"], c["beta_2"]
        cache_t, cache_t1 = self._momentum_cache(t), self._momentum_cache(t + 1.0)
        m_schedule_new = ops.cast(self.m_schedule, p.dtype) * cache_t
        m_schedule_next = m_schedule_new * cache_t1
        m = b1 * slots[0] + (1.0 - b1) * g
        v = b2 * slots[1] + (1.0 - b2) * ops.square(g)
        m_bar = ((1.0 - cache_t) * (g / (1.0 - m_schedule_new))
                 + cache_t1 * (m / (1.0 - m_schedule_next)))
        v_prime = v / (1.0 - ops.power(b2, t))
        return p - lr * m_bar / (ops.sqrt(v_prime) + c["epsilon"]), [m, v]

    def _after_step(self):
        # `iterations` has moved on: it is the t of the update just made
        t = ops.cast(self.iterations, self.m_schedule.dtype)
        self.m_schedule.assign(self.m_schedule * self._momentum_cache(t))


class TFOptimizer:
    """Keras 1 wrapped a TensorFlow 1 optimizer; Keras 3 takes TensorFlow's optimizers as they are."""

    def __init__(self, optimizer):
        raise _validation.argument_error(
            "TFOptimizer", "optimizer", optimizer, "cannot be wrapped",
            "Keras 1's TFOptimizer wrapped a tf.train (TensorFlow 1) optimizer; use a "
            "keras.optimizers optimizer, or one of this module's Keras 1 optimizers")


# Keras 1's lower-case aliases (sgd = SGD, ...)
globals().update({alias: globals()[name] for alias, name in spec.OPTIMIZER_ALIASES.items()})


def get(identifier, kwargs=None):
    """Keras 1's `optimizers.get`: a name ('sgd', 'Adam': Keras 1's defaults), a Keras 1
    `{'class_name': ..., 'config': {...}}` (a file's `optimizer_config`; the class name in
    any case), or an optimizer instance, returned as it is."""
    if isinstance(identifier, str):
        name = identifier if identifier in spec.OPTIMIZERS else \
            spec.OPTIMIZER_ALIASES.get(identifier)
        if name is None:
            raise _unknown(identifier)
        return globals()[name](**(kwargs or {}))
    if isinstance(identifier, dict) and "class_name" in identifier:
        name = spec.OPTIMIZER_ALIASES.get(str(identifier["class_name"]).lower())
        if name is None:
            raise _unknown(identifier["class_name"])
        config = identifier.get("config") or {}
        if not isinstance(config, dict):
            raise _validation.argument_error("optimizers.get", "config", config,
                                             "must be a dict of the optimizer's arguments")
        return globals()[name](**config)
    if isinstance(identifier, keras.optimizers.Optimizer):
        return identifier
    raise _unknown(identifier)


def _unknown(identifier):
    return _validation.argument_error(
        "optimizers.get", "identifier", identifier,
        f"must name a Keras 1 optimizer ({', '.join([*spec.OPTIMIZERS, *spec.OPTIMIZER_ALIASES])})")


def set_keras1_weights(optimizer, arrays, variables=None):
    """Loads Keras 1's `optimizer.get_weights()` (a `model.save()` file's `optimizer_weights`,
    in their order) into `optimizer`, built on `variables` (the model's trainable weights) if
    it is not yet, as Keras 1's `load_model` did: `iterations` only where Keras 1 saved it
    (else 0) and Nadam's schedule restarted."""
    owner = type(optimizer).__name__
    if not isinstance(optimizer, Keras1Optimizer):
        raise _validation.argument_error("set_keras1_weights", "optimizer", owner,
                                         "must be a legacy_conv.keras1.optimizers optimizer")
    if not optimizer.built:
        if variables is None:
            raise _validation.argument_error(
                "set_keras1_weights", "variables", None, "must be given for an optimizer "
                "that is not built", "Pass the model's trainable_weights")
        optimizer.build(list(variables))
    state = optimizer.keras1_state()
    arrays = list(arrays)
    if len(arrays) != len(state):
        raise _validation.argument_error(
            f"set_keras1_weights({owner})", "arrays", f"{len(arrays)} arrays",
            f"must hold Keras 1's {len(state)} optimizer weights")
    for i, (target, array) in enumerate(zip(state, arrays)):
        shape = tuple(getattr(array, "shape", ()))
        if shape != tuple(target.shape):
            raise _validation.argument_error(
                f"set_keras1_weights({owner})", f"arrays[{i}]", f"shape {shape}",
                f"must have shape {tuple(target.shape)} ({target.name})")
    if not spec.OPTIMIZERS[owner].saves_iterations:
        optimizer.iterations.assign(0)
    for target, array in zip(state, arrays):
        target.assign(ops.cast(array, target.dtype))
    if isinstance(optimizer, Nadam):
        optimizer.m_schedule.assign(1.0)
