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
