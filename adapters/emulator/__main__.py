"""``python -m boxauth.adapters.emulator``: same as ``boxauth emulator``."""

import sys

from .cli import main

sys.exit(main())
