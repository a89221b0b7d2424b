"""``python -m boxauth``: the ``boxauth`` command line (see ``boxauth.adapters.entry``)."""

import sys

from .adapters.entry import main

sys.exit(main())
