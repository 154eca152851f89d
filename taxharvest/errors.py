"""The one family of errors that users can cause.

Views show them as a form or partial error, the API as a 4xx JSON body; they never become a 500.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A request that cannot be carried out as asked, with a message fit to show the user."""

    def __init__(self, message: str, *, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
