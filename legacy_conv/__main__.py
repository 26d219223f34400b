"""`python -m legacy_conv`: the `legacy-conv` command line (see `legacy_conv.cli`)."""

from legacy_conv.cli import main

raise SystemExit(main())
