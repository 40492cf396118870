"""Commercials: what a contract charges and what its invoices bill (DOMAIN.md §4-5).

Fees, rate cards, resource units, indexation and tax come from the terms' ``charges`` section
and are priced by ``pactline.engine.charges``; invoices are checked by
``pactline.engine.invoice_checks``. ``files`` reads the tables that feed them.
"""
