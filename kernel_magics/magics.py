"""``%%sql`` / ``%sql`` and ``%%ingest``: thin magics that hand off to :mod:`.commands`."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .commands import check_contracts, run_ingest, run_sql

if TYPE_CHECKING:
    from .context import JobContext

DEFAULT_LIMIT = 20


def _parse(magic: Any, line: str) -> Any:
    try:
        return parse_argstring(magic, line)
    except UsageError:
        raise
    except SystemExit:  # argparse's way of saying the options are wrong
        raise UsageError(f"invalid options: {line!r}") from None


@magics_class
class DataOpsMagics(Magics):
    """The job's magics; ``job`` is the :class:`JobContext` they act for."""

    def __init__(self, shell: Any, job: JobContext) -> None:
        super().__init__(shell)
        self.job = job

    @magic_arguments()
    @argument("--conn", help="warehouse URL or a connection name from dataops.toml")
    @argument("-o", "--out", metavar="VAR", help="store the full result in this variable")
    @argument("--limit", type=int, default=DEFAULT_LIMIT, help="rows to display (default 20)")
    @argument("--no-display", action="store_true", help="do not display the result")
    @argument("query", nargs="*", help="SQL, for the one-line %sql form")
    @line_cell_magic
    def sql(self, line: str, cell: str | None = None) -> None:
        """Run SQL on the job's warehouse.

        Several statements separated by ``;`` run in one transaction; the last query's result
        is shown as a DataFrame, and each other statement says what it did (``created table
        t``, ``inserted 3 rows into t``). ``:name`` takes the value of the job argument or
        Python variable ``name`` as a bind parameter (never pasted into the SQL); ``{name}`` is
        replaced by the job argument or property ``name``, checked and quoted as an identifier.
        """
        options = _parse(self.sql, line)
        text = cell if cell is not None else " ".join(options.query)
        if cell is not None and options.query:
            raise UsageError(
                f"unexpected text after %%sql: {' '.join(options.query)!r}; "
                "put the SQL in the cell body"
            )
        if options.limit < 0:
            raise UsageError("--limit must be zero or more")
        namespace = self.shell.user_ns if self.shell is not None else {}
        values = {**namespace, **self.job.args}
        result, done = run_sql(self.job, text, values, options.conn)
        for line in done:
            print(line)
        if options.out:
            if not options.out.isidentifier():
                raise UsageError(f"-o {options.out!r}: give a Python variable name")
            namespace[options.out] = result
        if result is not None and not options.no_display:
            from .display import show_result

            show_result(result, options.limit)

    @magic_arguments()
    @argument("table", help="table to load, optionally schema.table")
    @argument("--mode", default="append", choices=["append", "replace", "merge"])
    @argument("--key", default="", help="key columns for --mode merge, comma separated")
    @argument("--schema", default="evolve", choices=["evolve", "freeze"])
    @cell_magic
    def ingest(self, line: str, cell: str) -> Any:
        """Load the data of the cell's last expression into a warehouse table.

        The body is Python; its last line is the data: a DataFrame, an Arrow table, a dict,
        a list of dicts, or an iterable/generator of those (streamed in batches).
        """
        options = _parse(self.ingest, line)
        data = self._evaluate(cell)
        keys = [k.strip() for k in options.key.split(",") if k.strip()]
        summary = run_ingest(self.job, data, options.table, options.mode, keys, options.schema)
        print(summary)

    @magic_arguments()
    @argument("action", choices=["check"], help="check: run the contracts' checks")
    @argument("tables", nargs="*", help="tables to check (default: every contracted table)")
    @line_magic
    def contract(self, line: str) -> None:
        """Run the contract checks of tables on the whole tables and show the results.

        ``%contract check shop.all_products``: the same checks as ``dataops contract check``
        and as a run after a step writes the table.
        """
        options = _parse(self.contract, line)
        check_contracts(self.job, options.tables)

    def _evaluate(self, cell: str) -> Any:
        """Run the cell body in the user's namespace and return its last expression."""
        try:
            tree = ast.parse(cell)
        except SyntaxError as exc:
            raise UsageError(
                f"the %%ingest body is not valid Python (line {exc.lineno}): {exc.msg}"
            ) from None
        if not tree.body or not isinstance(tree.body[-1], ast.Expr):
            raise UsageError(
                "the last line of an %%ingest cell must be the data to load, e.g. `rows` or "
                "`pd.read_csv('x.csv')`"
            )
        last = tree.body.pop()
        namespace = self.shell.user_ns if self.shell is not None else {}
        if tree.body:
            exec(compile(tree, "<ingest>", "exec"), namespace)
        expression = ast.Expression(last.value)  # type: ignore[attr-defined]
        return eval(compile(expression, "<ingest>", "eval"), namespace)
