"""The EU micro-credential standard elements: model, vocabularies, completeness."""
