"""``python -m boxauth``: the ``boxauth`` command line (see ``boxauth.adapters.cli``)."""

import sys

from .adapters.cli import main

sys.exit(main())
