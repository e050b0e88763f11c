"""Atom feeds: new versions (and, on request, votes opened and closed), per standard and network-wide."""
