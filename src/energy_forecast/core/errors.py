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
        # What is wrong, without where: to say it again of another place (`data.sources`).
        self.reason = message
        self.source = source
        self.line = line
        self.column = column


def first_line(err: BaseException, limit: int = 300) -> str:
    """What a library's exception says, as one line of an error message: its first line, cut
    to `limit` characters (MLflow's `message` where it has one); its type where it says nothing."""
    text = str(getattr(err, "message", err)).strip()
    return text.splitlines()[0][:limit] if text else type(err).__name__
