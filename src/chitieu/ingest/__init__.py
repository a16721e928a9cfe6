"""Readers and validators for every input format; each import is one transaction."""
