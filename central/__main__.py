"""``python -m central``: the same as ``kiosk-central``."""

import sys

from central.cli import main

sys.exit(main())
