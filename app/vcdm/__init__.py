"""The W3C VC Data Model (1.1 and 2.0) structure rules, shared by issuing and verifying."""
