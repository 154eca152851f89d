"""``openai_extract`` through the real ``openai`` client against a local fake of the Chat Completions API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from taxprofiles.form1040.fields import FIELD_NAMES, FILING_STATUSES, MONEY_FIELDS, Extraction, Value
from taxprofiles.form1040.openai_extract import SCHEMA, ExtractionFailed, openai_extract
from tests.taxprofiles.form1040.fake_openai import API_KEY, COMPLETIONS_PATH, FakeOpenAI
from tests.taxprofiles.form1040.fake_openai import fake_openai as fake_openai_fixture

fake_openai = fake_openai_fixture  # the running fake API, a fixture from fake_openai.py

MODEL = "gpt-4o-2024-08-06"
DOCUMENT = """\
Form 1040 U.S. Individual Income Tax Return 2024
Filing Status [X] Married filing jointly
1z Add lines 1a through 1h . . . . 182,450.17
2b Taxable interest . . . . 1,204.
3a Qualified dividends . . . . 3,310.
3b Ordinary dividends . . . . 4,120.55
7 Capital gain or (loss) . . . . (3,000.)
11 This is your adjusted gross income . . . . 184,774.72
12 Standard deduction or itemized deductions . . . . 29,200.
15 This is your taxable income . . . . 155,574.72
24 This is your total tax . . . . 24,391.
Schedule D
6 Short-term capital loss carryover . . . . (1,850.)
7 Net short-term capital gain or (loss) . . . . (4,975.40)
15 Net long-term capital gain or (loss) . . . . (6,412.30)
"""


def entry(value: object, confidence: float = 0.9, snippet: str = "") -> dict[str, Any]:
    return {"value": value, "confidence": confidence, "snippet": snippet}


def good_answer() -> dict[str, Any]:
    """What a model following the schema answers for ``DOCUMENT``: no long-term carryover on it."""
    return {
        "tax_year": entry(2024, 0.99, "U.S. Individual Income Tax Return 2024"),
        "filing_status": entry("married_joint", 0.97, "[X] Married filing jointly"),
        "wages": entry("182450.17", 0.95, "1z Add lines 1a through 1h . . . . 182,450.17"),
        "taxable_interest": entry("1204", 0.93, "2b Taxable interest . . . . 1,204."),
        "ordinary_dividends": entry("4120.55", 0.92, "3b Ordinary dividends . . . . 4,120.55"),
        "qualified_dividends": entry("3310.00", 0.91, "3a Qualified dividends . . . . 3,310."),
        "capital_gain": entry("-3000.00", 0.9, "7 Capital gain or (loss) . . . . (3,000.)"),
        "agi": entry("184774.72", 0.96, "11 This is your adjusted gross income . . . . 184,774.72"),
        "deductions": entry("29200", 0.94, "12 Standard deduction or itemized deductions . . . . 29,200."),
        "taxable_income": entry("155574.72", 0.95, "15 This is your taxable income . . . . 155,574.72"),
        "total_tax": entry("24391.00", 0.9, "24 This is your total tax . . . . 24,391."),
        "st_net": entry("-4975.40", 0.8, "7 Net short-term capital gain or (loss) . . . . (4,975.40)"),
        "lt_net": entry("-6412.3", 0.8, "15 Net long-term capital gain or (loss) . . . . (6,412.30)"),
        "st_carryover": entry("1850.00", 0.7, "6 Short-term capital loss carryover . . . . (1,850.)"),
        "lt_carryover": entry(None, 0.0, ""),
        "sd_net": entry("-11387.70", 0.8, "16 Combine lines 7 and 15 and enter the result . . . . (11,387.70)"),
        "sd_loss_allowed": entry("-3000", 0.8, "21 If line 16 is a loss, enter here ... . . 21 ( 3,000 )"),
    }


@pytest.fixture
def extract(fake_openai: FakeOpenAI) -> Callable[..., Extraction]:
    """Call ``openai_extract`` on ``DOCUMENT`` against the fake, with settings a test may override."""

    def call(text: str = DOCUMENT, **overrides: Any) -> Extraction:
        settings: dict[str, Any] = {
            "api_key": API_KEY,
            "base_url": f"{fake_openai.url}/v1",
            "model": MODEL,
            "timeout": 5.0,
        }
        return openai_extract(text, **(settings | overrides))

    return call


def failure(extract: Callable[..., Extraction], **overrides: Any) -> str:
    with pytest.raises(ExtractionFailed) as caught:
        extract(**overrides)
    return caught.value.reason


# ------------------------------------------------------------------------------------------------- request


def test_it_sends_one_completion_with_the_configured_model_and_the_strict_schema(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.answer_json(good_answer())

    extract()

    assert fake_openai.paths == [COMPLETIONS_PATH]
    [request] = fake_openai.requests
    assert request["model"] == MODEL
    response_format = request["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema == SCHEMA
    assert tuple(schema["properties"]) == FIELD_NAMES
    assert "stream" not in request


def test_it_sends_the_document_text_and_nothing_else_of_the_client(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.answer_json(good_answer())

    extract()

    [request] = fake_openai.requests
    assert set(request) == {"model", "messages", "response_format", "store"}
    assert request["store"] is False
    system, user = request["messages"]
    assert system["role"] == "system"
    assert isinstance(system["content"], str)
    assert "Example" not in system["content"]
    assert user == {"role": "user", "content": DOCUMENT}  # plain text: no file or image parts


def test_the_instructions_name_the_form_lines_and_forbid_guessing(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.answer_json(good_answer())

    extract()

    instructions = fake_openai.requests[0]["messages"][0]["content"]
    for line in ("line 1z", "line 2b", "line 3a", "line 3b", "line 7", "line 11", "line 12", "line 15", "line 24"):
        assert f"Form 1040 {line}" in instructions
    for line in ("line 6", "line 7", "line 14", "line 15"):
        assert f"Schedule D {line}" in instructions
    assert "null" in instructions
    assert "Never guess" in instructions


def test_the_schema_requires_every_field_and_allows_nulls() -> None:
    assert SCHEMA["required"] == list(FIELD_NAMES)
    assert SCHEMA["additionalProperties"] is False
    for name in FIELD_NAMES:
        field = SCHEMA["properties"][name]
        assert field["required"] == ["value", "confidence", "snippet"]
        assert field["additionalProperties"] is False
        assert field["properties"]["confidence"]["type"] == "number"
        assert field["properties"]["snippet"]["type"] == "string"
    assert SCHEMA["properties"]["tax_year"]["properties"]["value"] == {"type": ["integer", "null"]}
    status = SCHEMA["properties"]["filing_status"]["properties"]["value"]
    assert status["anyOf"] == [{"type": "string", "enum": list(FILING_STATUSES)}, {"type": "null"}]
    for name in MONEY_FIELDS:
        assert SCHEMA["properties"][name]["properties"]["value"]["type"] == ["string", "null"]


# -------------------------------------------------------------------------------------------------- answer


def test_it_reads_a_good_answer_to_the_cent(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    fake_openai.answer_json(good_answer())

    extraction = extract()

    assert extraction.source == "openai"
    assert extraction.fallback_reason == ""
    values = extraction.values
    assert values["tax_year"] == Value(2024, 0.99, "U.S. Individual Income Tax Return 2024")
    assert type(values["tax_year"].value) is int
    assert values["filing_status"] == Value("married_joint", 0.97, "[X] Married filing jointly")
    assert values["wages"] == Value(Decimal("182450.17"), 0.95, "1z Add lines 1a through 1h . . . . 182,450.17")
    assert values["capital_gain"] == Value(Decimal("-3000.00"), 0.9, "7 Capital gain or (loss) . . . . (3,000.)")
    assert {name: str(found.value) for name, found in values.items() if name in MONEY_FIELDS} == {
        "wages": "182450.17",
        "taxable_interest": "1204.00",
        "ordinary_dividends": "4120.55",
        "qualified_dividends": "3310.00",
        "capital_gain": "-3000.00",
        "agi": "184774.72",
        "deductions": "29200.00",
        "taxable_income": "155574.72",
        "total_tax": "24391.00",
        "st_net": "-4975.40",
        "lt_net": "-6412.30",
        "st_carryover": "1850.00",
        "sd_net": "-11387.70",
        "sd_loss_allowed": "-3000.00",
    }
    assert values["st_carryover"].snippet == "6 Short-term capital loss carryover . . . . (1,850.)"
    assert values["st_net"].confidence == 0.8


def test_it_leaves_out_figures_the_document_does_not_show(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    answer = good_answer() | {"filing_status": entry(None, 0.0), "agi": entry(None, 0.0)}
    fake_openai.answer_json(answer)

    extraction = extract()

    assert set(extraction.values) == set(FIELD_NAMES) - {"filing_status", "agi", "lt_carryover"}
    assert extraction.as_json()["agi"] is None


def test_it_clamps_confidence_rounds_to_the_cent_and_sizes_carryovers(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    answer = good_answer() | {
        "wages": entry("182450.165", 1.7),
        "agi": entry(" 184774.72 ", -0.2),
        "lt_carryover": entry("-2500.00", 1),
    }
    fake_openai.answer_json(answer)

    values = extract().values

    assert values["wages"].value == Decimal("182450.17")
    assert values["wages"].confidence == 1.0
    assert values["agi"] == Value(Decimal("184774.72"), 0.0, "")
    assert values["lt_carryover"].value == Decimal("2500.00")
    assert isinstance(values["lt_carryover"].confidence, float)


# ------------------------------------------------------------------------------------------------ failures


def test_it_fails_on_a_server_error_after_one_retry(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail_next(500)
    fake_openai.fail_next(500)

    assert failure(extract) == "OpenAI returned 500 Internal Server Error"
    assert len(fake_openai.requests) == 2


def test_a_server_error_then_an_answer_succeeds(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next(503)
    fake_openai.answer_json(good_answer())

    assert extract().values["tax_year"].value == 2024
    assert len(fake_openai.requests) == 2


def test_it_fails_when_rate_limited_after_one_retry(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail_next(429, "Rate limit reached")
    fake_openai.fail_next(429, "Rate limit reached")

    reason = failure(extract)

    assert reason.startswith("OpenAI returned 429 Too Many Requests")
    assert "rate limited" in reason
    assert len(fake_openai.requests) == 2


def test_it_fails_on_a_rejected_api_key_without_retrying(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    assert failure(extract, api_key="sk-wrong") == "OpenAI returned 401 Unauthorized: check the OpenAI API key"
    assert len(fake_openai.requests) == 1


def test_it_repeats_the_api_message_of_a_client_error(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail_next(404, "The model `gpt-none` does not exist")

    assert failure(extract) == "OpenAI returned 404 Not Found: The model `gpt-none` does not exist"


def test_it_fails_when_openai_does_not_answer_in_time(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.delay_next(1.0)
    fake_openai.delay_next(1.0)

    assert failure(extract, timeout=0.2) == "OpenAI did not answer within 0.2 seconds"
    assert len(fake_openai.requests) == 2


def test_it_fails_when_openai_cannot_be_reached(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    fake_openai.stop()

    assert failure(extract) == "Could not reach OpenAI"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Bad gateway</html>", "OpenAI's answer was not a chat completion"),
        (b'{"error": null}', "OpenAI's answer was not a chat completion"),
        (b'{"object": "chat.completion", "choices": []}', "OpenAI's answer was not a chat completion"),
    ],
)
def test_it_fails_on_a_body_that_is_not_a_completion(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, body: bytes, reason: str
) -> None:
    fake_openai.answer_raw(body)

    assert failure(extract) == reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("The wages are 182,450.17.", "OpenAI's answer was not the requested JSON"),
        ('["tax_year", 2024]', "OpenAI's answer was not the requested JSON"),
        ('{"tax_year": {"value": 2024,', "OpenAI's answer was not the requested JSON"),
        ("", "OpenAI returned an empty answer"),
        (None, "OpenAI returned an empty answer"),
    ],
)
def test_it_fails_on_content_that_is_not_json(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, content: str | None, reason: str
) -> None:
    fake_openai.answer_content(content)

    assert failure(extract) == reason


def test_it_fails_on_an_answer_cut_off_at_the_token_limit(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI
) -> None:
    fake_openai.answer_content('{"tax_year": {"value": 2024,', finish_reason="length")

    assert failure(extract) == "OpenAI's answer was cut off before it was complete"


def test_it_fails_on_json_missing_fields(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    answer = good_answer()
    del answer["agi"], answer["lt_carryover"]
    fake_openai.answer_json(answer)

    assert failure(extract) == "OpenAI's answer lacks the fields agi, lt_carryover"


def test_it_fails_on_a_field_without_its_parts(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    fake_openai.answer_json(good_answer() | {"wages": "182450.17"})

    assert failure(extract) == "OpenAI's answer for wages was not the requested JSON"


@pytest.mark.parametrize("value", ["182,450.17", "$182450.17", "about 180k", "NaN", "Infinity", "1e40", ""])
def test_it_fails_on_money_that_is_not_a_decimal_number(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, value: str
) -> None:
    fake_openai.answer_json(good_answer() | {"wages": entry(value)})

    assert failure(extract) == "OpenAI's wages is not a number"


def test_it_fails_on_money_sent_as_a_json_number(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    fake_openai.answer_json(good_answer() | {"wages": entry(182450.17)})  # a float may already have lost the cents

    assert failure(extract) == "OpenAI's wages is not a decimal string"


@pytest.mark.parametrize("status", ["Single", "married_filing_jointly", "widow", 1])
def test_it_fails_on_a_status_outside_the_enum(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, status: object
) -> None:
    fake_openai.answer_json(good_answer() | {"filing_status": entry(status)})

    assert failure(extract) == "OpenAI's filing status is not one of the statuses the return allows"


@pytest.mark.parametrize("year", ["2024", 2024.5, True, 24, 3024])
def test_it_fails_on_a_year_that_is_not_a_year(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, year: object
) -> None:
    fake_openai.answer_json(good_answer() | {"tax_year": entry(year)})

    assert failure(extract) == "OpenAI's tax year is not a year"


@pytest.mark.parametrize(
    ("confidence", "snippet", "reason"),
    [
        ("high", "", "OpenAI's confidence for agi is not a number"),
        (None, "", "OpenAI's confidence for agi is not a number"),
        (0.5, None, "OpenAI's snippet for agi is not text"),
    ],
)
def test_it_fails_on_a_confidence_or_snippet_of_the_wrong_type(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, confidence: object, snippet: object, reason: str
) -> None:
    fake_openai.answer_json(good_answer() | {"agi": {"value": "1.00", "confidence": confidence, "snippet": snippet}})

    assert failure(extract) == reason


def test_it_fails_on_a_refusal(extract: Callable[..., Extraction], fake_openai: FakeOpenAI) -> None:
    fake_openai.refuse_next("I'm sorry, I can't help with that request.")

    assert failure(extract) == "OpenAI declined to read the document"


def test_it_never_logs_the_document_text(
    extract: Callable[..., Extraction], fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Secret Taxpayer 123-45-6789"
    fake_openai.fail_next(500)
    fake_openai.answer_content("not json")
    caplog.set_level(logging.DEBUG)

    reason = failure(extract, text=f"{secret}\n{DOCUMENT}")

    assert secret not in caplog.text
    assert secret not in reason
    assert secret in fake_openai.requests[0]["messages"][1]["content"]
