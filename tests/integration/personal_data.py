"""The person whose data the erasure and export tests look for (fixture ``world`` of conftest.py)."""
from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
NAME, EMAIL = "Zephyrine Quillfeather", "zephyrine.q@example.org"
