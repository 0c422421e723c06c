"""``python -m seti_stream`` runs the command line."""

import sys

from seti_stream.cli import main

sys.exit(main())
