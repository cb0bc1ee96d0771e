"""`python -m v2_backfill.cli`: the `v2-backfill` command."""

import sys

from v2_backfill.cli import main

sys.exit(main())
