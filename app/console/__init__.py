"""The staff console: accounts with roles per issuer, browser sessions with CSRF protection,
and the server-rendered pages registrars use to define, issue and revoke micro-credentials."""
