from __future__ import annotations

from collections.abc import Iterator

import anthropic
import openai
import pytest

from tests.request.fakeapi import FakeAPI, serve


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    """The provider wire formats on 127.0.0.1, recording what the SDKs send."""
    with serve() as running:
        yield running


@pytest.fixture
def openai_client(api: FakeAPI) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="test-key", max_retries=0)


@pytest.fixture
def anthropic_client(api: FakeAPI) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=api.url, api_key="test-key", max_retries=0)
