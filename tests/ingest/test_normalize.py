"""Model family normalisation across providers' spellings (usage-formats.md sections 1-5)."""

import pytest

from hedging.ingest.normalize import model_developer, model_family


@pytest.mark.parametrize("raw, family", [
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("gpt-5-2025-08-07", "gpt-5"),
    ("gpt-4-0613", "gpt-4"),
    ("gpt-4-1106-preview", "gpt-4-turbo"),
    ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
    ("gpt-35-turbo", "gpt-3.5-turbo"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
    ("o3-2025-04-16", "o3"),
    ("claude-3-5-sonnet-20241022", "claude-3.5-sonnet"),
    ("claude-3-opus-20240229", "claude-3-opus"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5"),
    ("claude-sonnet-4-20250514", "claude-sonnet-4"),
    ("claude-haiku-4-5-20251001", "claude-haiku-4.5"),
    ("anthropic/claude-sonnet-4.5", "claude-sonnet-4.5"),
    ("anthropic/claude-4.5-sonnet-20250929", "claude-sonnet-4.5"),
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3.5-sonnet"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4.5"),
    ("claude-3-5-sonnet@20240620", "claude-3.5-sonnet"),
    ("gemini-1.5-pro-002", "gemini-1.5-pro"),
    ("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),
    ("openai/gpt-4o", "gpt-4o"),
    ("H100-SXM", "h100-sxm"),
    ("meta.llama3-1-70b-instruct-v1:0", "llama-3.1-70b-instruct"),
    ("llama3-70b", "llama-3-70b"),
    ("", ""),
])
def test_model_family(raw, family):
    assert model_family(raw) == family


@pytest.mark.parametrize("family, developer", [
    ("gpt-4o", "openai"), ("o3", "openai"), ("claude-sonnet-4.5", "anthropic"), ("gemini-2.5-pro", "google"),
    ("deepseek-v3", "deepseek"), ("llama-3.1-70b", "meta"), ("h100-sxm", "nvidia"), ("mystery", "other"),
])
def test_model_developer(family, developer):
    assert model_developer(family) == developer
