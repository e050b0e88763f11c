"""Co-ops, people, delegations, roles and sign-in."""
