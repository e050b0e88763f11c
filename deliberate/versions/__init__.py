"""Ratified versions of a standard and its verifiable public changelog.

``numbering``, ``document`` and ``chain`` are pure (no Flask, no SQLAlchemy): the offline
verifier (``deliberate verify``) imports ``chain`` without the app.
"""
