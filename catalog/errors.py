"""Errors a catalog operation raises; every backend translates its driver's errors to these.

CatalogError              the operation failed for a reason the caller can report
├── NotFoundError         a row the operation needs does not exist
├── ConflictError         a uniqueness (or other integrity) rule would break
│   └── InUseError        the row is still referenced (how many times: `count`)
├── CatalogUnavailable    the database cannot be reached, or dropped the connection
│                         (down, restarting, too many connections): try again later
└── ContentionError       a deadlock or serialization failure rolled the transaction
                          back; the catalog retries it a few times before raising this

The edge answers NotFoundError with 404, ConflictError with 409 and any other catalog
error with 503 and `Retry-After`.
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


class CatalogUnavailable(CatalogError):
    """The database is not answering: nothing can be said of the operation's outcome
    unless it is known not to have committed. Retrying later is the remedy."""


class ContentionError(CatalogError):
    """Concurrent transactions collided (deadlock, serialization failure); the
    transaction was rolled back, so running it again is safe."""
