"""Build print-ready PDF kits from the conversation models: the `coachbook` command (see `python build_kits.py --help`)."""

import sys

from coachbook.cli.main import main

if __name__ == "__main__":
    sys.exit(main(prog="build_kits.py"))
