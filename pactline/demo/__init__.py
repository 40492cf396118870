"""The demo portfolio: realistic sample data so every page has something to show."""
