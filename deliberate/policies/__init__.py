"""Policies in force: the network's rules and each standard's, and the terms copied into processes."""
