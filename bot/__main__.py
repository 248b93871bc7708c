"""``python -m bot`` is the ``congdoan-bot`` command."""

import sys

from bot.cli.main import main

sys.exit(main())
