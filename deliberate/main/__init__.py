"""Public pages that belong to no single feature: home, how it works."""
