"""Read the figures of a Form 1040 (and its Schedule D) from the document's text with OpenAI.

One Chat Completions request with Structured Outputs (``response_format`` ``json_schema``, ``strict``): the model
must answer exactly the fields of ``fields.FIELD_NAMES``, each as ``{value, confidence, snippet}``, with ``null``
for a figure the document does not show. Money travels as decimal strings ("-3000.00") so that cents never pass
through a float, and every value is checked again here: strict mode fixes the shape of the answer, not whether
what the model wrote is a number, a year or one of our filing statuses.

Privacy: the request holds a fixed instruction and the document text, nothing else about the client; the
document text is never logged, and failure reasons never quote it.

This module imports nothing from Django, so the command and its tests can call it directly.
"""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from taxprofiles.form1040.fields import FIELD_NAMES, FILING_STATUSES, MONEY_FIELDS, Extraction, Value

SCHEMA_NAME = "form_1040_figures"
CENTS = Decimal("0.01")
CARRYOVER_FIELDS = ("st_carryover", "lt_carryover")
MAX_API_MESSAGE = 200  # characters of an API error message worth repeating in a reason

# Where each figure sits on the forms; the instructions and the schema's descriptions both say it.
WHERE = {
    "tax_year": "the tax year the return is for, an integer such as 2024",
    "filing_status": "the checked filing status box",
    "wages": "Form 1040 line 1z",
    "taxable_interest": "Form 1040 line 2b",
    "ordinary_dividends": "Form 1040 line 3b",
    "qualified_dividends": "Form 1040 line 3a",
    "capital_gain": "Form 1040 line 7 (line 7a from 2025), capital gain or (loss); negative for a loss",
    "agi": "Form 1040 line 11 (11a and 11b from 2025), adjusted gross income",
    "deductions": "Form 1040 line 12 (line 12e from 2025), standard deduction or itemized deductions",
    "taxable_income": "Form 1040 line 15, taxable income",
    "total_tax": "Form 1040 line 24, total tax",
    "st_net": "Schedule D line 7, net short-term capital gain or (loss); negative for a loss",
    "lt_net": "Schedule D line 15, net long-term capital gain or (loss); negative for a loss",
    "st_carryover": "Schedule D line 6, short-term capital loss carryover, as a positive amount",
    "lt_carryover": "Schedule D line 14, long-term capital loss carryover, as a positive amount",
    "sd_net": "Schedule D line 16, lines 7 and 15 combined; negative for a loss",
    "sd_loss_allowed": "Schedule D line 21, the loss allowed this year (at most 3,000); negative",
}
assert tuple(WHERE) == FIELD_NAMES

INSTRUCTIONS = f"""\
You read the text of a US individual income tax return: Form 1040 and, when present, its Schedule D \
(Capital Gains and Losses). Report these figures exactly as the document shows them:

{chr(10).join(f"- {name}: {where}." for name, where in WHERE.items())}

filing_status is one of {", ".join(FILING_STATUSES)}.
Write money as a plain decimal string with a leading minus for a negative amount and no dollar sign or \
thousands separators, e.g. "-3000.00" for (3,000). Amounts in parentheses are negative, except that the two \
carryovers are reported as positive amounts.
For each figure give a confidence between 0 and 1 and a snippet: the short piece of the document text you read \
it from. When the document does not show a figure, answer null for its value, confidence 0 and an empty \
snippet. Never guess, compute or infer a figure the document does not show."""


class ExtractionFailed(Exception):
    """OpenAI could not read the document; ``reason`` is a short sentence for the advisor (never document text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------------- schema


def _field_schema(value: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "value": value,
            "confidence": {"type": "number", "description": "How sure the reading is, 0 to 1."},
            "snippet": {"type": "string", "description": "The document text the value was read from."},
        },
        "required": ["value", "confidence", "snippet"],
        "additionalProperties": False,
    }


def _value_schema(name: str) -> dict[str, Any]:
    """The ``value`` of one field. Money is a string so that the model's digits reach us unrounded."""
    if name == "tax_year":
        return {"type": ["integer", "null"]}
    if name == "filing_status":
        return {"anyOf": [{"type": "string", "enum": list(FILING_STATUSES)}, {"type": "null"}]}
    return {"type": ["string", "null"], "description": 'Dollars as a decimal string such as "-3000.00".'}


def _build_schema() -> dict[str, Any]:
    """Every field is required and no other is allowed: strict mode demands both; absence is a null value."""
    return {
        "type": "object",
        "properties": {name: _field_schema(_value_schema(name), WHERE[name]) for name in FIELD_NAMES},
        "required": list(FIELD_NAMES),
        "additionalProperties": False,
    }


SCHEMA = _build_schema()


# ------------------------------------------------------------------------------------------------- request


def openai_extract(text: str, *, api_key: str, base_url: str | None, model: str, timeout: float) -> Extraction:
    """Return the figures OpenAI reads in ``text``, or raise ``ExtractionFailed`` saying why it could not."""
    try:
        with openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=1) as client:
            completion = client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": INSTRUCTIONS},
                    {"role": "user", "content": text},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
                },
                store=False,  # a client's tax return has no business in OpenAI's stored completions
            )
    except openai.OpenAIError as exc:
        raise ExtractionFailed(_api_failure(exc, timeout)) from exc
    except ValueError as exc:  # the client's json.loads of a 200 body that is not JSON
        raise ExtractionFailed("OpenAI's answer was not a chat completion") from exc
    return _extraction(_answer_json(completion))


def _api_failure(exc: openai.OpenAIError, timeout: float) -> str:
    """Describe a failed request; the client has already retried once what retrying may fix."""
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError: it is one
        return f"OpenAI did not answer within {timeout:g} seconds"
    if isinstance(exc, openai.APIConnectionError):
        return "Could not reach OpenAI"
    if isinstance(exc, openai.APIStatusError):
        status = _status_text(exc.status_code)
        if exc.status_code == 401:
            return f"OpenAI returned {status}: check the OpenAI API key"
        if exc.status_code == 429:
            return f"OpenAI returned {status}: the account is rate limited or out of quota"
        if 400 <= exc.status_code < 500 and (detail := _api_message(exc.body)):
            return f"OpenAI returned {status}: {detail}"
        return f"OpenAI returned {status}"
    if isinstance(exc, openai.APIResponseValidationError):
        return "OpenAI's answer was not a chat completion"
    return f"The OpenAI client failed: {type(exc).__name__}"


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _api_message(body: object) -> str:
    """The ``error.message`` of an API error body (the client hands over either the whole body or its
    ``error`` member), shortened; empty when there is none."""
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else None
        if isinstance(message, str):
            return message.strip()[:MAX_API_MESSAGE]
    return ""


# -------------------------------------------------------------------------------------------------- answer


def _answer_json(completion: object) -> dict[str, Any]:
    """The JSON object the model wrote, after ruling out refusals and cut-off or empty answers."""
    choices = getattr(completion, "choices", None) if isinstance(completion, ChatCompletion) else None
    if not choices:
        raise ExtractionFailed("OpenAI's answer was not a chat completion")
    choice = choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        raise ExtractionFailed("OpenAI's answer was not a chat completion")
    if getattr(message, "refusal", None):
        raise ExtractionFailed("OpenAI declined to read the document")
    if getattr(choice, "finish_reason", None) == "length":
        raise ExtractionFailed("OpenAI's answer was cut off before it was complete")
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        raise ExtractionFailed("OpenAI returned an empty answer")
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise ExtractionFailed("OpenAI's answer was not the requested JSON") from exc
    if not isinstance(data, dict):
        raise ExtractionFailed("OpenAI's answer was not the requested JSON")
    return data


def _extraction(data: dict[str, Any]) -> Extraction:
    missing = [name for name in FIELD_NAMES if name not in data]
    if missing:
        raise ExtractionFailed(f"OpenAI's answer lacks the fields {', '.join(missing)}")
    values: dict[str, Value] = {}
    for name in FIELD_NAMES:
        found = _field(name, data[name])
        if found is not None:
            values[name] = found
    return Extraction(values=values, source="openai")


def _field(name: str, entry: object) -> Value | None:
    """One field of the answer as a ``Value``, or None when the model found no such figure."""
    if not isinstance(entry, dict) or not {"value", "confidence", "snippet"} <= entry.keys():
        raise ExtractionFailed(f"OpenAI's answer for {name} was not the requested JSON")
    if entry["value"] is None:
        return None
    snippet = entry["snippet"]
    if not isinstance(snippet, str):
        raise ExtractionFailed(f"OpenAI's snippet for {name} is not text")
    return Value(value=_value(name, entry["value"]), confidence=_confidence(name, entry["confidence"]), snippet=snippet)


def _value(name: str, raw: object) -> int | str | Decimal:
    if name == "tax_year":
        return _year(raw)
    if name == "filing_status":
        if raw not in FILING_STATUSES:
            raise ExtractionFailed("OpenAI's filing status is not one of the statuses the return allows")
        return str(raw)
    assert name in MONEY_FIELDS
    amount = _money(name, raw)
    # The prompt asks for carryovers as positive sizes; a carryover copied with Schedule D's parentheses
    # as a minus sign still names the same loss, so its size is unambiguous.
    return abs(amount) if name in CARRYOVER_FIELDS else amount


def _year(raw: object) -> int:
    # bool is an int to Python, never a year
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1900 <= raw <= 2100:
        raise ExtractionFailed("OpenAI's tax year is not a year")
    return raw


def _money(name: str, raw: object) -> Decimal:
    """Decimal dollars to the cent from the model's decimal string; anything else is not a figure."""
    if not isinstance(raw, str):
        raise ExtractionFailed(f"OpenAI's {name} is not a decimal string")
    try:
        amount = Decimal(raw.strip())
        if not amount.is_finite():
            raise InvalidOperation
        return amount.quantize(CENTS, rounding=ROUND_HALF_UP)  # raises too for sizes beyond Decimal's precision
    except InvalidOperation as exc:
        raise ExtractionFailed(f"OpenAI's {name} is not a number") from exc


def _confidence(name: str, raw: object) -> float:
    if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw):
        raise ExtractionFailed(f"OpenAI's confidence for {name} is not a number")
    return min(1.0, max(0.0, float(raw)))
