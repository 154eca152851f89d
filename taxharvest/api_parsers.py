"""The API's JSON parser: DRF's, plus limits on size and nesting, so that a hostile body is a 400, never a 500.

Python's json module recurses once per level: a body of 100,000 ``[`` raises RecursionError (a 500), and a
few hundred levels parse but then cost every serializer and log line that walks them. No request of ours
nests more than a few levels, so anything past ``MAX_DEPTH`` is refused with a message.

DRF reads the body from the request's stream, around Django's DATA_UPLOAD_MAX_MEMORY_SIZE (enforced only
by ``request.body``): the parser enforces it too, so a 50 MB body is refused before it is held in memory.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 100


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise ParseError(body_too_large_message())
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if json_depth(data) > MAX_DEPTH:
            raise ParseError(_too_deep())
        return data


def json_depth(value: Any) -> int:
    """Return how deeply ``value`` nests lists and objects: 0 for a scalar, 1 for ``[]`` or ``{}``.

    Iterative, so that measuring a deep value cannot itself overflow the stack; it stops counting past
    MAX_DEPTH + 1, which is all the parser needs to know.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        pending.extend((child, depth) for child in item)
    return deepest


def body_too_large_message() -> str:
    return f"The request body is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."


def _too_deep() -> str:
    return f"JSON parse error - the body nests lists or objects more than {MAX_DEPTH} levels deep."
