"""Credit for contributions: per release (ratified version), who wrote the words that survive
into its text, who proposed and co-authored the amendments it adopted, who raised and resolved
objections (docs/credit.md).

``counting`` and ``export`` are pure (no Flask, no SQLAlchemy); ``queries`` reads the provenance
the platform already keeps; ``views`` and the API's ``credit`` module present it.
"""
