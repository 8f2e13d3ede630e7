"""``python -m satscore``: the same as the ``satscore`` command."""

from __future__ import annotations

import sys

from satscore._cli.main import main

if __name__ == "__main__":
    sys.exit(main())
