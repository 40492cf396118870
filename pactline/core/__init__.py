"""Cross-cutting foundations: settings, database, errors, audit, clock, pagination."""
