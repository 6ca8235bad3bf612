"""``python -m csms.cli``: the same CLI as ``csms``."""

import sys

from csms.cli import main

sys.exit(main())
