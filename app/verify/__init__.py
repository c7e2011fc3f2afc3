"""Verification: the check pipeline, the recognition score and the report."""
