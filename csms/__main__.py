"""``python -m csms``: the same CLI as the ``csms`` console script."""

import sys

from csms.cli import main

sys.exit(main())
