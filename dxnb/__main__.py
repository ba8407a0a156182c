"""``python -m dxnb``: the ``dxnb`` command line."""

import sys

from .cli import main

sys.exit(main())
