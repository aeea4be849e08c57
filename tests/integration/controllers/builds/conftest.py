"""Each builds test gets its own instance name; its swarm objects and images go after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import builds as bd
from tests.support import swarm as sw


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with sw.cleaned_up(name):
        try:
            yield name
        finally:
            bd.remove_images(name)
