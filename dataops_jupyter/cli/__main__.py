"""``python -m dataops_jupyter.cli``: the ``dataops`` command."""

import sys

from . import main

sys.exit(main())
