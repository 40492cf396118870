"""Disputes: a disagreement with the counterparty over an invoice finding or a service credit,
with the money at stake, both sides' positions, its age and how it ended."""
