"""Amendments: proposed changes to sections, their state table, rebase and competing groups.

Built on the pure diff and three-way merge engine in ``deliberate.text``.
"""
