"""The `pactline` command line: thin adapters over the service layer."""
