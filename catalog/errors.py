"""Errors a catalog operation raises; every backend translates its driver's errors to these.

CatalogError          the operation failed for a reason the caller can report
├── NotFoundError     a row the operation needs does not exist
└── ConflictError     a uniqueness (or other integrity) rule would break
    └── InUseError    the row is still referenced (how many times: `count`)
"""

from __future__ import annotations


class CatalogError(Exception):
    """A catalog operation failed for a reason the caller can report."""


class NotFoundError(CatalogError):
    """The row the operation needs does not exist."""


class ConflictError(CatalogError):
    """The operation would break a uniqueness rule (e.g. a store name taken)."""


class InUseError(ConflictError):
    """The row is still referenced, `count` times (e.g. products link to it)."""

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.count = count
