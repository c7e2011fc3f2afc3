"""Recognition: what an admissions or exam office recognises credentials against (targets)."""
