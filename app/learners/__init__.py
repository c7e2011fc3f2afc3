"""Learner home: sign-in by one-time e-mail link, the learner's awards across issuers, sharing
switches, downloads and published collections (/p/{token})."""
