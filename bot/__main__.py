"""``python -m bot`` is the ``congdoan-bot`` command."""

import sys

from bot.cli import main

sys.exit(main())
