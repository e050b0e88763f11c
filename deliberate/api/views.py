"""Every API resource module, imported so that each declares its operations on the blueprint."""
from __future__ import annotations

from . import (  # noqa: F401  (declare operations)
    amendments,
    coops,
    credit,
    discussions,
    meta,
    objections,
    policies,
    proxies,
    registry,
    standards,
    votes,
)
from .blueprint import bp

__all__ = ["bp"]
