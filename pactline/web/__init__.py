"""The server-rendered web UI (Jinja2 + HTMX): thin adapters over the service layer."""
