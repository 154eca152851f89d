"""One shape for every API error: ``{"detail": message}``, plus field messages for invalid input.

DRF already answers its own exceptions (validation 400 with a message per field, 401, 403, 404, 429);
this adds the errors users can cause deeper down (``ApplicationError``, a model's ``ValidationError``)
so that they are a 4xx with a message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import permission_denied as django_permission_denied
from django.views.defaults import server_error as django_server_error
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from taxharvest.api_parsers import body_too_large_message
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


# Django's own error pages (urls.py's handler400/403/404/500), but JSON under /api/: what Django answers before
# or around DRF (a path no endpoint matches, a body over DATA_UPLOAD_MAX_MEMORY_SIZE read by a middleware, a
# crash) keeps the API's error shape.


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        message = body_too_large_message() if isinstance(exception, RequestDataTooBig) else "Bad request."
        return JsonResponse({"detail": message}, status=400)
    return django_bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return django_permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Server error: the failure is logged. Try again later."}, status=500)
    return django_server_error(request)
