"""One shape for every API error: ``{"detail": message}``, plus field messages for invalid input.

DRF already answers its own exceptions (validation 400 with a message per field, 401, 403, 404, 429);
this adds the errors users can cause deeper down (``ApplicationError``, a model's ``ValidationError``)
so that they are a 4xx with a message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from taxharvest.errors import ApplicationError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        # An error about particular fields names them, as DRF's own validation errors do.
        body: dict[str, Any] = exc.extra or {"detail": exc.message}
        return Response(body, status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, IntegrityError):
        # Two requests raced to write the same thing (an account number, say): the loser changed nothing.
        body = {"detail": "Another request changed the same data at the same moment; nothing was saved. Send it again."}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, but JSON under /api/ (a path no endpoint matches, such as a portfolio id that is
    not a number), so that API callers always get the same error shape."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
