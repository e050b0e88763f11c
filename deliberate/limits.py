"""How long each kind of text may be: one place for forms, services and socket handlers.

Pure constants (characters unless said otherwise). Forms use them in ``Length`` validators so a
person sees the limit next to the field; services check them again (the API and sockets do not
go through forms) and raise ``InvalidInput`` with the field's name. docs/security.md lists them.
"""
from __future__ import annotations

TITLE = 200             # standards, sections, amendment titles, topics, votes
NAME = 120              # people, co-ops, amendment short names
SUMMARY = 4_000         # a standard's summary
SECTION_BODY = 100_000  # a section's text (also a co-edited draft)
MESSAGE = 500           # revision messages, notes
REASON = 500            # public reasons (hiding, cancelling, suspending)
COMMENT_BODY = 10_000
QUOTE = 1_000
EMAIL = 254
PASSWORD = 200
SEARCH_QUERY = 200

# No text field accepts more than this; tests send one more character to every field.
MAX_TEXT = SECTION_BODY

# Whole requests, in bytes: bodies over this are refused with 413 before any view runs, and a
# Socket.IO message over it is dropped by the server (a co-editing sync carries at most one
# section's text and its patches, well under this).
REQUEST_BYTES = 1024 * 1024
SOCKET_MESSAGE_BYTES = 1024 * 1024
