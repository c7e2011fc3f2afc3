"""Web-facing helpers: templates and badge image baking."""
