"""``python -m labstats``: the ``labstats`` command line."""

import sys

from labstats.cli import main

if __name__ == "__main__":
    sys.exit(main())
