"""Pactline: contract relationship management for services contracts after signature."""

__version__ = "0.1.0"
