"""The public statement of what is stored and who sees it, and the audit log of steward actions."""
