"""`imports.drop_unused` makes what libcst's `RemoveImportsVisitor` makes, with or without
its scope analysis (the fast path decides from the text where it can)."""

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from legacy_conv.migration import imports

CASES = {
    "unused": ("from keras.layers import Dense, Conv2D\nx = Conv2D(1, 1)\n",
               [("keras.layers", "Dense", None)]),
    "used in a function": ("from keras.layers import Dense\ndef f():\n    return Dense(1)\n",
                           [("keras.layers", "Dense", None)]),
    "shadowed in a function": ("from keras.layers import Dense\ndef f(Dense):\n"
                               "    return Dense(1)\n", [("keras.layers", "Dense", None)]),
    "alias": ("import keras.layers as L\nfrom keras.layers import Dense as D\nx = L.Conv2D\n",
              [("keras.layers", None, "L"), ("keras.layers", "Dense", "D")]),
    "alias unused": ("import keras.layers as L\nimport keras\nx = keras.layers.Conv2D\n",
                     [("keras.layers", None, "L")]),
    "parenthesized, keeps others": (
        "from keras.layers import (Dense,  # a comment\n    Conv2D,\n    Flatten)\n"
        "y = Flatten()\n", [("keras.layers", "Dense", None), ("keras.layers", "Conv2D", None)]),
    "last of several": ("from keras.layers import Conv2D, Dense\ny = Conv2D\n",
                        [("keras.layers", "Dense", None)]),
    "__all__": ("from keras.layers import Dense\n__all__ = ['Dense']\n",
                [("keras.layers", "Dense", None)]),
    "string annotation": ("from keras.layers import Dense\ndef f(x: 'Dense'):\n    pass\n",
                          [("keras.layers", "Dense", None)]),
    "docstring only": ('"""Dense layers."""\nfrom keras.layers import Dense\n',
                       [("keras.layers", "Dense", None)]),
    "star import": ("from keras.layers import *\nfrom legacy_conv import Dense\nx = Dense\n",
                    [("legacy_conv", "Dense", None), ("keras.layers", "Conv2D", None)]),
    "inside a function": ("def f():\n    from keras.layers import Dense\n    return 1\n",
                          [("keras.layers", "Dense", None)]),
    "inside try": ("try:\n    from keras.layers import Dense  # why\nexcept ImportError:\n"
                   "    Dense = None\n", [("keras.layers", "Dense", None)]),
    "inside try, unused": ("try:\n    from keras.layers import Dense, Conv2D\n"
                           "except ImportError:\n    pass\nConv2D(1)\n",
                           [("keras.layers", "Dense", None)]),
    "attribute and keyword only": ("from keras.layers import Dense\nx = a.Dense\n"
                                   "f(Dense=1)\n", [("keras.layers", "Dense", None)]),
    "import module": ("import keras\nimport legacy_conv\nx = legacy_conv.Dense\n",
                      [("keras", None, None), ("legacy_conv", None, None)]),
    "comment on the line": ("import keras  # the new one\nfrom a import b  # kept\n",
                            [("keras", None, None)]),
    "rebound": ("from keras.layers import Dense\nDense = 3\n", [("keras.layers", "Dense", None)]),
    "dotted import beside": ("import keras\nimport keras.layers\nx = keras.layers.Dense\n",
                             [("keras", None, None)]),
    "class body": ("from keras.layers import Dense\nclass A:\n    x = Dense\n",
                   [("keras.layers", "Dense", None)]),
}


def _libcst(source, candidates):
    context = CodemodContext()
    for candidate in sorted(candidates, key=str):
        RemoveImportsVisitor.remove_unused_import(context, *candidate)
    return RemoveImportsVisitor(context).transform_module(cst.parse_module(source)).code


@pytest.mark.parametrize("name", sorted(CASES))
def test_drop_unused_is_libcsts(name, monkeypatch):
    source, candidates = CASES[name]
    expected = _libcst(source, candidates)
    analysed = []
    original = RemoveImportsVisitor.transform_module
    monkeypatch.setattr(RemoveImportsVisitor, "transform_module",
                        lambda self, module: analysed.append(1) or original(self, module))
    assert imports.drop_unused(cst.parse_module(source), candidates).code == expected
    # names bound only by module-level imports are decided from the text alone
    fast = name not in ("shadowed in a function", "inside a function", "inside try",
                        "__all__", "string annotation", "rebound",
                        "dotted import beside")
    assert not analysed if fast else analysed


ADDS = {
    "extends a from-import": ("from keras.layers import Dense\nx = 1\n", [("keras.layers", "Conv2D")]),
    "docstring and future": ('"""Doc."""\nfrom __future__ import print_function\nimport os\n'
                             "x = 1\n", [("keras",), ("keras.layers", "Conv2D")]),
    "late imports not extended": ("x = 1\nfrom keras.layers import Dense\n",
                                  [("keras.layers", "Conv2D")]),
    "inside a function": ("def f():\n    from keras.layers import Dense\n",
                          [("keras.layers", "Dense")]),
    "alias": ("import os\n", [("keras.layers", "Dense", "D"), ("keras",)]),
    "already there": ("import keras\nfrom keras.layers import *\n", [("keras",),
                                                                  ("keras.layers", "Dense")]),
    "empty": ("", [("keras",)]),
}


@pytest.mark.parametrize("name", sorted(ADDS))
def test_add_needed_is_libcsts(name):
    from libcst.codemod.visitors import AddImportsVisitor

    source, needs = ADDS[name]
    context = CodemodContext()
    for need in needs:
        AddImportsVisitor.add_needed_import(context, *need)
    expected = cst.parse_module(source).visit(AddImportsVisitor(context)).code
    assert imports.add_needed(cst.parse_module(source), needs).code == expected
