"""`legacy-conv migrate`: rewrites the Python sources of a Keras 1 codebase (libcst).

- `to='legacy'` (step 1, no change of meaning): imports of Keras 1 modules become imports
  of the Keras 1 namespace, `legacy_conv.keras1` (`namespace`); a module it lacks keeps the
  layer-by-layer rewrite. Python 2 sources are converted to Python 3 first (`python2`).
- `to='native'` (step 2): each Keras 1 layer call whose meaning a Keras 3 call has exactly
  becomes that call; the others stay on legacy_conv's layers, each with its reason.
- `check_source` / `check=True`: the calls that reach a Keras 3 alias or namesake with
  another meaning (`keras.layers.Convolution2D(32, 3, 3)` means strides 3 in Keras 3).
"""

from legacy_conv.migration.report import Entry
from legacy_conv.migration.run import FileOutcome
from legacy_conv.migration.run import MigrationError
from legacy_conv.migration.run import Result
from legacy_conv.migration.run import check_source
from legacy_conv.migration.run import diff
from legacy_conv.migration.run import migrate_paths
from legacy_conv.migration.run import migrate_source

__all__ = ["Entry", "FileOutcome", "MigrationError", "Result", "check_source", "diff",
           "migrate_paths", "migrate_source"]
