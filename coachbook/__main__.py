"""`python -m coachbook`: the `coachbook` command."""

import sys

from .cli import main

sys.exit(main())
