"""``python -m chinwag`` is the ``chinwag`` command."""

from chinwag.cli import main

main()
