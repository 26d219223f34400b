"""Keras 1.2.2's `keras.utils.generic_utils`: `Progbar` (Keras 1's bar, width 30, its text
byte for byte), `get_from_module`, and the custom-object scope (Keras 3's, which Keras 3's
deserialization reads)."""

import sys
import time

import keras
import numpy as np

from legacy_conv import _validation

custom_object_scope = keras.saving.custom_object_scope
CustomObjectScope = keras.saving.CustomObjectScope
get_custom_objects = keras.saving.get_custom_objects


def get_from_module(identifier, module_params, module_name, instantiate=False, kwargs=None):
    """Keras 1's lookup of a member by name (or by a `{'name': ..., **kwargs}` dict) among
    the custom objects, then `module_params`; anything else is returned as it is."""
    if isinstance(identifier, dict):
        identifier = dict(identifier)
        name = identifier.pop("name")
        res = get_custom_objects().get(name) or module_params.get(name)
        if not res:
            raise _validation.argument_error("get_from_module", module_name, name,
                                             "is no known name")
        return res(**identifier)
    if not isinstance(identifier, str):
        return identifier
    res = get_custom_objects().get(identifier) or module_params.get(identifier)
    if not res:
        raise _validation.argument_error("get_from_module", module_name, identifier,
                                         "is no known name")
    if instantiate:
        return res(**(kwargs or {}))
    return res


def _average(total):
    return total[0] / max(1, total[1])


def _format(avg, threshold):
    return " %.4f" % avg if threshold(avg) else " %.4e" % avg


class Progbar:
    """Keras 1's progress bar: `update(current, values)` averages each (name, value) over the
    steps since the last update; `verbose` 1 redraws the bar, 2 prints one line at the end."""

    def __init__(self, target, width=30, verbose=1, interval=0.05):
        self.width = width
        self.target = target
        self.sum_values = {}
        self.unique_values = []
        self.start = time.time()
        self.last_update = 0
        self.interval = interval
        self.total_width = 0
        self.seen_so_far = 0
        self.verbose = verbose

    def update(self, current, values=None, force=False):
        for k, v in values or []:
            steps = current - self.seen_so_far
            if k not in self.sum_values:
                self.sum_values[k] = [v * steps, steps]
                self.unique_values.append(k)
            else:
                self.sum_values[k][0] += v * steps
                self.sum_values[k][1] += steps
        self.seen_so_far = current
        now = time.time()
        if self.verbose == 1:
            if not force and (now - self.last_update) < self.interval:
                return
            self._draw(current, now)
        if self.verbose == 2 and current >= self.target:
            info = "%ds" % (now - self.start)
            for k in self.unique_values:
                info += " - %s:" % k + _format(_average(self.sum_values[k]), lambda a: a > 1e-3)
            sys.stdout.write(info + "\n")
        self.last_update = now

    def _draw(self, current, now):
        prev_total_width = self.total_width
        sys.stdout.write("\b" * prev_total_width)
        sys.stdout.write("\r")
        numdigits = int(np.floor(np.log10(self.target))) + 1
        bar = ("%%%dd/%%%dd [" % (numdigits, numdigits)) % (current, self.target)
        prog_width = int(self.width * (float(current) / self.target))
        if prog_width > 0:
            bar += "=" * (prog_width - 1) + (">" if current < self.target else "=")
        bar += "." * (self.width - prog_width) + "]"
        sys.stdout.write(bar)
        self.total_width = len(bar)
        time_per_unit = (now - self.start) / current if current else 0
        if current < self.target:
            info = " - ETA: %ds" % (time_per_unit * (self.target - current))
        else:
            info = " - %ds" % (now - self.start)
        for k in self.unique_values:
            info += " - %s:" % k
            if isinstance(self.sum_values[k], list):
                info += _format(_average(self.sum_values[k]), lambda a: abs(a) > 1e-3)
            else:
                info += " %s" % self.sum_values[k]
        self.total_width += len(info)
        if prev_total_width > self.total_width:
            info += (prev_total_width - self.total_width) * " "
        sys.stdout.write(info)
        sys.stdout.flush()
        if current >= self.target:
            sys.stdout.write("\n")

    def add(self, n, values=None):
        self.update(self.seen_so_far + n, values)
