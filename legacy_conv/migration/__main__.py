"""`python -m legacy_conv.migration PATH... [--to legacy|native] [--write] [--check]`."""

import sys

from legacy_conv.migration.cli import main

sys.exit(main())
