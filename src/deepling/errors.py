"""Errors a user can fix: the CLI prints them as one paragraph (exit 2), the server as a 4xx."""

from __future__ import annotations


class DeeplingError(Exception):
    """A problem with the user's input: a message that says what is wrong, and a hint to fix it.

    ``status`` is the HTTP status the server answers with (400 by default, 404 for a missing
    item).
    """

    status: int = 400

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class NotFoundError(DeeplingError):
    """An index, node or job the user named does not exist."""

    status = 404


class Cancelled(Exception):
    """Raised inside a long computation when its job was cancelled."""
