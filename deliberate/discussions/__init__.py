"""Threads and comments on standards, sections, amendments and votes."""
