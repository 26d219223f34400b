"""Theano's MRG31k3p generator (`theano.sandbox.rng_mrg.MRG_RandomStreams`, Theano 1.0.5), the
one Keras 1.2.2's Theano backend drew `random_normal`, `random_uniform` and `random_binomial`
from: a new `MRG_RandomStreams(seed)` per call, so a seed gives the same numbers each time.

In NumPy, vectorized over the generator's streams; the draws are Theano's C code's (its
float32 samples are the int state times the float32 constant NORM, each rounded to float32).
"""

import functools

import numpy as np

M1 = np.int32(2147483647)  # 2^31 - 1
M2 = np.int32(2147462579)  # 2^31 - 21069
MASK12, MASK13, MASK2 = np.int32(511), np.int32(16777215), np.int32(65535)
MULT2 = np.int32(21069)
# The jump of 2^72 steps between two streams' starts, per component (rng_mrg.A1p72, A2p72).
A1P72 = np.array([[1516919229, 758510237, 499121365],
                  [1884998244, 1516919229, 335398200],
                  [601897748, 1884998244, 358115744]], dtype=np.int64)
A2P72 = np.array([[1228857673, 1496414766, 954677935],
                  [1133297478, 1407477216, 1496414766],
                  [2002613992, 1639496704, 1407477216]], dtype=np.int64)
NORMS = {"float32": np.float32(4.6566126e-10), "float64": 4.656612873077392578125e-10}
MAX_STREAMS = 60 * 256


def n_streams(count, known=True):
    """`guess_n_streams`: a sixth of the samples (up to 60 * 256); 60 * 256 where Theano
    could not read the size as ints (`normal` passes a symbolic one)."""
    if not known:
        return MAX_STREAMS
    return min(count // 6 if count > 6 else count, MAX_STREAMS)


def _jump(state):
    first = np.sum((A1P72 * state[:3]) % M1, axis=1) % M1
    second = np.sum((A2P72 * state[3:]) % M2, axis=1) % M2
    return np.concatenate([first, second]).astype(np.int32)


@functools.lru_cache(maxsize=16)
def _stream_states(seed, count):
    states = np.zeros((count, 6), dtype=np.int32)
    states[0] = seed
    for i in range(1, count):
        states[i] = _jump(states[i - 1].astype(np.int64))
    return states


def stream_states(seed, count):
    """`get_substream_rstates`: the first stream at [seed] * 6, each next one 2^72 on."""
    return _stream_states(seed, count).copy()


def _wrapped(y, modulus):
    return np.where((y < 0) | (y >= modulus), y - modulus, y)


def _next(states):
    """One step of every stream (`mrg_next_value`, int32 arithmetic wrapping as in C): the
    new states and each stream's integer draw."""
    x11, x12, x13, x21, x22, x23 = states.T
    y1 = _wrapped(((x12 & MASK12) << 22) + (x12 >> 9) + ((x13 & MASK13) << 7) + (x13 >> 24),
                  M1)
    y1 = _wrapped(y1 + x13, M1)
    z1 = _wrapped(((x21 & MASK2) << 15) + MULT2 * (x21 >> 16), M2)
    z2 = _wrapped(((x23 & MASK2) << 15) + MULT2 * (x23 >> 16), M2)
    z2 = _wrapped(_wrapped(z2 + x23, M2) + z1, M2)
    new = np.stack([y1, x11, x12, z2, x21, x22], axis=1).astype(np.int32)
    drawn = np.where(y1 <= z2, y1.astype(np.int64) - z2 + M1, y1.astype(np.int64) - z2)
    return new, drawn


def uniform(seed, count, dtype, streams):
    """`count` samples in [0, 1) of `dtype`, element i from stream i % streams."""
    states = stream_states(seed, streams)
    rounds = []
    with np.errstate(over="ignore"):
        for _ in range(-(-count // streams)):
            states, drawn = _next(states)
            rounds.append(drawn)
    ints = np.stack(rounds).reshape(-1)[:count]
    return ints.astype(dtype) * np.asarray(NORMS[dtype], dtype)


def draw(kind, seed, shape, dtype, **params):
    """Keras 1.2.2's Theano `random_<kind>(shape, ..., seed)` as NumPy: 'uniform' (low,
    high), 'normal' (mean, std; Box-Muller on one uniform draw of an even length), 'binomial'
    (p: a float32 uniform below p)."""
    count = int(np.prod(shape))
    if kind == "uniform":
        u = uniform(seed, count, dtype, n_streams(count))
        high, low = np.asarray(params["high"], dtype), np.asarray(params["low"], dtype)
        return (u * (high - low) + low).reshape(shape)
    if kind == "binomial":
        u = uniform(seed, count, "float32", n_streams(count))
        return (u < np.float32(params["p"])).astype(dtype).reshape(shape)
    even = count + count % 2
    u = uniform(seed, even, dtype, n_streams(even, known=False))
    radius = np.sqrt(np.asarray(-2.0, dtype) * np.log(u[:even // 2]))
    theta = np.asarray(2.0 * np.pi, dtype) * u[even // 2:]
    samples = np.concatenate([radius * np.cos(theta), radius * np.sin(theta)])[:count]
    return (samples.reshape(shape) * np.asarray(params["std"], dtype)
            + np.asarray(params["mean"], dtype)).astype(dtype)
