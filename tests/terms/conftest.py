"""Shared fixtures for the terms-language tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def example_files() -> list[Path]:
    return sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
