"""`python -m pactline` is the `pactline` command."""

from pactline.cli.main import main

main()
