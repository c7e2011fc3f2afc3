"""Revocation and suspension with W3C Bitstring Status List v1.0."""
