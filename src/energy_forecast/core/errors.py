"""The one error type for bad input: it says where (file, line, column) and what was expected."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be used as it is: raised with a message a user can act on."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                str(source) if source else None,
                f"line {line}" if line is not None else None,
                f"column {column!r}" if column else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.line = line
        self.column = column
