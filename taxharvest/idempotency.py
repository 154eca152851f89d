"""``Idempotency-Key`` on the API's POSTs: a retried request gets the first answer, not a second portfolio.

An integration that lost the answer to a POST (a timeout, a dropped connection) sends it again with the same
key and gets the stored answer, marked ``Idempotent-Replayed: true``. The work and the stored answer commit
together: if two copies race, the database's unique key lets one commit and rolls the other back whole, and
the loser then replays the winner's answer. The same key with a different body is refused (422), since the
caller is confused about which request it is retrying. Keys are forgotten after ``KEY_LIFETIME``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from taxharvest.errors import ApplicationError
from taxharvest.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Printable ASCII, not only spaces (HTTP headers carry Latin-1 at best; a key is an opaque token).
KEY_PATTERN = r"^[ -~]*[!-~][ -~]*$"

Handler = Callable[..., Response]


class IdempotencyKeyReused(ApplicationError):
    """The key already answered a different request."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


def idempotent(handler: Handler) -> Handler:
    """Wrap an APIView's ``post`` in one transaction, and make a repeated ``Idempotency-Key`` replay the first
    success."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            # All or nothing all the same: an answer that cannot be made undoes the work it would report.
            with transaction.atomic():
                return handler(view, request, *args, **kwargs)
        key = _checked(key)
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                stored = _stored(request, key)
                if stored is not None:
                    return _replay(stored, fingerprint)
                response = handler(view, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    IdempotentRequest.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method or "POST",
                        path=request.path[:255],
                        fingerprint=fingerprint,
                        status_code=response.status_code,
                        body=json.dumps(response.data, cls=DjangoJSONEncoder),
                        location=response.headers.get("Location", "")[:255],
                    )
                return response
        except IntegrityError:
            # Another copy of this request committed first (the unique key); answer as it did.
            stored = _stored(request, key)
            if stored is None:
                raise
            return _replay(stored, fingerprint)

    return wrapper


def _checked(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH or not re.fullmatch(KEY_PATTERN, key):
        raise ApplicationError(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return key.strip()


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _stored(request: Request, key: str) -> IdempotentRequest | None:
    records = IdempotentRequest.objects.filter(user=request.user, key=key)
    records.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    return records.first()


def _replay(stored: IdempotentRequest, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used for a different request ({stored.method} {stored.path}); "
            "use a new key for a new request."
        )
    headers = {"Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Response(json.loads(stored.body), status=stored.status_code, headers=headers)
