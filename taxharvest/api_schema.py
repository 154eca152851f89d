"""The error answers every endpoint can give, described once for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from taxharvest.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH


class Problem(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="What went wrong, in words fit to show a user.")


ERRORS: dict[int, OpenApiResponse] = {
    401: OpenApiResponse(Problem, "No valid credentials: sign in, or send a bearer token that has not expired."),
    403: OpenApiResponse(Problem, "Signed in, but not as an advisor or firm admin."),
    429: OpenApiResponse(Problem, "Too many requests: wait the seconds the Retry-After header gives."),
}
FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT, "Invalid input: a list of messages for each field at fault (or 'detail')."
)
ERRORS_WITH_FIELDS: dict[int, OpenApiResponse] = {
    400: FIELD_ERRORS,
    409: OpenApiResponse(Problem, "Another request wrote the same data at the same moment: nothing was saved."),
    422: OpenApiResponse(Problem, f"The {HEADER} was already used for a different request."),
    **ERRORS,
}


class TokenPair(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Send as 'Authorization: Bearer <access>'.")
    refresh = serializers.CharField(help_text="POST it to /api/token/refresh for a new access token.")


class AccessToken(serializers.Serializer[Any]):
    access = serializers.CharField(help_text="Send as 'Authorization: Bearer <access>'.")


TOKEN_ERRORS: dict[int, OpenApiResponse] = {
    400: FIELD_ERRORS,
    401: OpenApiResponse(OpenApiTypes.OBJECT, "Wrong credentials, or a refresh token that is invalid or expired."),
    403: OpenApiResponse(Problem, "Not an advisor or firm admin, or a firm admin without two-factor sign-in."),
    429: ERRORS[429],
}
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    description="Optional. Send the same key again to get the first answer instead of repeating the request.",
)
