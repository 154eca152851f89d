"""The household page's reports section, rendered by the reporting app into the portfolios page."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from reporting.report_views import reports_section_context

register = template.Library()


@register.simple_tag(takes_context=True)
def household_reports(context: Any, household: Any) -> SafeString:
    request = context["request"]
    html = render_to_string("reporting/_reports.html", reports_section_context(request, household), request=request)
    return mark_safe(html)


@register.filter
def css_string(value: object) -> SafeString:
    """Escape text for a CSS string inside a <style> element (the PDF's running page headers).

    Every character outside plain letters, digits, spaces and common punctuation becomes a CSS hex escape
    (``<`` is ``\\3C ``), which WeasyPrint shows as the character itself: no quote ends the string, and no
    ``</style>`` ends the style element. (``escapejs`` made JavaScript escapes, which CSS prints as "u003C".)
    """
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_()&'·")
    return mark_safe("".join(ch if ch in safe else f"\\{ord(ch):X} " for ch in str(value)))
