"""``python -m circuitsnn`` is the ``circuitsnn`` command."""

import sys

from .cli.main import main

sys.exit(main())
