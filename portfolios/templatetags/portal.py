"""Small template helpers of the portal's pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """``{{ explanations|get_item:o.pk }}``: templates cannot index a dict by a variable."""
    return None if mapping is None else mapping.get(key)
