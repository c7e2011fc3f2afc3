"""E-mail to learners: the outbox (queued in the award's transaction), the issuer's own texts
per language, and the SMTP sender that works the outbox off."""
