"""The seam through which a load or a SQL step is checked before it commits.

The ingestion engine and :meth:`Warehouse.execute` know nothing of contracts: they call a
guard, while their transaction is open, with the rows a load wrote and again just before the
commit. A guard that refuses raises :class:`GuardRejection`; the transaction is rolled back
and the guard's :meth:`LoadGuard.after_rollback` may then keep what it must (rows for
inspection) in a transaction of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..errors import InvalidInputError

if TYPE_CHECKING:
    import pyarrow as pa


class GuardRejection(InvalidInputError):
    """A guard refused what a transaction wrote; nothing of it is committed."""

    kind = "contract-violation"


class LoadGuard(Protocol):
    """Checks the rows a transaction wrote into one table before it commits."""

    def admit(self, connection: Any, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The rows of ``batch`` to write; a guard may keep others aside to judge them in
        :meth:`screen` (``batch`` as it is when it keeps none)."""

    def screen(self, connection: Any, source: str, where: str | None, brought: int) -> int:
        """Judge the rows of ``source`` (a quoted table, the load's stage or the target)
        selected by ``where``: remove the rows to reject from it, or raise
        :class:`GuardRejection`. Returns how many rows were rejected."""

    def verify(self, connection: Any) -> None:
        """Judge the whole table as it will be committed; raise :class:`GuardRejection` to
        refuse it."""

    def after_rollback(self) -> None:
        """Called after a :class:`GuardRejection` rolled the transaction back."""
