"""`python -m tickercast` runs the command line."""

import sys

from tickercast.cli import main

sys.exit(main())
