"""``python -m service`` runs the ``redite`` command line."""

from service.cli import main

main()
