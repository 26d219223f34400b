"""`target='native'`: the same model from Keras 3 built-in layers only, numerically identical.

- `build`: the entry points (`modernize`, `weight_plan`, `transferred`, `to_native`);
- `converter`: the walk over a built legacy model, node by node (`Converter`);
- `handlers/`: each legacy layer → the Keras 3 built-ins that compute its numbers;
- `plan`: `NativePlan`, the native model and how its weights come from the legacy ones;
- `layout`: how a native tensor holds a legacy one ('th' models run channels-last inside);
- `objects`: Keras 1 initializers, regularizers, constraints and activations → Keras 3's.
"""

from legacy_conv.native.build import modernize  # noqa: F401
from legacy_conv.native.build import to_native  # noqa: F401
from legacy_conv.native.build import transferred  # noqa: F401
from legacy_conv.native.build import weight_plan  # noqa: F401
