"""Fixtures shared by the tax profile tests: the local stand-in for the OpenAI API."""

from tests.taxprofiles.form1040.fake_openai import fake_openai  # noqa: F401 (a fixture)
