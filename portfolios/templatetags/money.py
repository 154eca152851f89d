"""Template filters that format money and quantities the way advisors read them."""

from __future__ import annotations

from decimal import Decimal

from django import template

from harvesting.engine.money import to_cents

register = template.Library()


@register.filter
def usd(value: Decimal | None) -> str:
    """Format dollars with a sign, thousands separators and cents: -$1,234.50."""
    if value is None or value == "":
        return "—"
    cents = to_cents(Decimal(value))
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents):,.2f}"


@register.filter
def quantity(value: Decimal | None) -> str:
    """Show whole shares without decimals and fractional shares without trailing zeros."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def gain_class(value: Decimal | None) -> str:
    if value is None or value == 0:
        return ""
    return "gain" if value > 0 else "loss"


@register.filter
def percent(rate: Decimal | None) -> str:
    """Show a rate such as 0.133 as 13.3% and 0.35 as 35%."""
    if rate is None:
        return "—"
    text = f"{Decimal(rate) * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


@register.filter
def return_percent(fraction: Decimal | None) -> str:
    """Show a return such as 0.0123 as 1.23% and -0.2 as -20.00%."""
    if fraction is None:
        return "—"
    return f"{(Decimal(fraction) * 100).quantize(Decimal('0.01')):,.2f}%"
