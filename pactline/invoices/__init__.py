"""Invoices: received (or issued) invoices stored with their lines, checked against the
statement the terms give for their period, and the findings with money at stake."""
