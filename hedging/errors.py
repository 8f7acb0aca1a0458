"""Errors and warnings whose messages are shown to users exactly as written.

Every message names what is wrong (file, row, column, value) and how to fix it, because the
people reading them are finance analysts, not the engineers who wrote the importer.
"""

from __future__ import annotations

from dataclasses import dataclass

_MAX_VALUE_CHARS = 60


def show_value(value: object) -> str:
    """A value as it may appear in a message: quoted, and shortened when it is long.

    >>> show_value("abc")
    "'abc'"
    """
    text = "" if value is None else str(value)
    if len(text) > _MAX_VALUE_CHARS:
        return repr(text[:_MAX_VALUE_CHARS]) + f"… ({len(text):,} characters)"
    return repr(text)


class HedgingError(Exception):
    """Base of every error the product raises on purpose; ``str(err)`` is the user message."""


class InputError(HedgingError):
    """Bad input: the message names the file, row, column, value and the fix.

    Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is 2.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column `{self.column}`")
        head = ", ".join(where)
        text = self.problem
        if self.value is not None:
            text = f"value {show_value(self.value)}: {text}"
        message = f"{head}: {text}" if head else text
        if self.fix:
            message += f" Fix: {self.fix}"
        return message


class RejectedRowsError(InputError):
    """Some rows failed validation and the caller did not allow importing the rest.

    ``rejected`` holds every :class:`hedging.models.RejectedRow`; the message shows the first few.
    """

    def __init__(self, file: str, rejected: tuple, rows_read: int) -> None:
        self.rejected = rejected
        self.rows_read = rows_read
        first = rejected[0]
        more = len(rejected) - 1
        problem = (
            f"{len(rejected):,} of {rows_read:,} rows failed validation, so nothing was imported. "
            f"First: row {first.row}, column `{first.column}`, value {show_value(first.value)}: "
            f"{first.reason}."
        )
        if more:
            problem += f" ({more:,} more listed in the import report.)"
        super().__init__(
            problem,
            file=file,
            fix=(first.fix + " Or import the valid rows and leave the rejected ones out "
                 "(`--skip-bad-rows` on the command line, the checkbox on the Data page).")
            if first.fix else None,
        )


class StorageError(HedgingError):
    """The database refused an operation; nothing was changed."""


class ModelError(HedgingError):
    """A model could not be specified, fitted or evaluated (e.g. a solver did not converge)."""


@dataclass(frozen=True)
class HedgingWarning:
    """A soft problem the UI shows next to the result; ``code`` is stable, ``message`` is for people."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message
