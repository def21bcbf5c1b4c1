"""`python -m coachbook`: the `coachbook` command."""

import sys

from .cli.main import main

sys.exit(main())
