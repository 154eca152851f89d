"""Template filters that state the forecast model's chances and fractions the way advisors read them."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def share(value: float | None, digits: int = 0) -> str:
    """Show a chance or a fraction such as 0.3125 as 31% (``share:1`` gives 31.3%)."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}%}"


@register.filter
def signed_share(value: float | None, digits: int = 1) -> str:
    """Show a return such as 0.0718 as +7.2% and -0.02 as -2.0%."""
    if value is None or value == "":
        return "—"
    return f"{float(value):+.{int(digits)}%}"
