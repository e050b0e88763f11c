"""Every API resource module, imported so that each declares its operations on the blueprint."""
from __future__ import annotations

from . import amendments, coops, credit, discussions, meta, objections, registry, standards, votes  # noqa: F401  (declare operations)
from .blueprint import bp

__all__ = ["bp"]
