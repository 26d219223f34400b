"""`python -m legacy_conv.migration PATH... [--to legacy|native] [--write] [--check]`."""

import sys

from legacy_conv.cli.migrate import main

sys.exit(main())
