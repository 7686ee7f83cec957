"""``python -m kpcs.cli``: the same as the ``kpcs`` command."""

from kpcs.cli import main

main()
