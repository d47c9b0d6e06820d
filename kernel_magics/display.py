"""Showing a query result: the first rows and how many there are in all."""

from __future__ import annotations

from typing import Any


def show_result(frame: Any, limit: int) -> None:
    """Display at most ``limit`` rows of ``frame`` and a line with the total row count."""
    from IPython.display import display

    total = len(frame)
    if total > limit:
        display(frame.head(limit))
        print(f"{total:,} rows, showing the first {limit:,} (use -o NAME to keep them all)")
    else:
        display(frame)
        print(f"{total:,} row{'s' if total != 1 else ''}")
