"""``python -m asisdk``: the same as the ``asisdk`` command."""

from __future__ import annotations

import sys

from asisdk.cli import main

if __name__ == "__main__":
    sys.exit(main())
