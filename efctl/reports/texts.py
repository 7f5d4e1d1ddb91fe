"""The words of the PDF documents, kept in texts.yaml so that a translation is no code change."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from efctl.errors import EfctlError


@cache
def all_texts() -> Mapping[str, Mapping[str, Any]]:
    """Every language's texts, keyed by language code."""
    source = resources.files("efctl.reports") / "texts.yaml"
    return yaml.safe_load(source.read_text(encoding="utf-8"))


def texts_for(language: str) -> Mapping[str, Any]:
    texts = all_texts()
    if language not in texts:
        raise EfctlError(
            f"efctl's documents have no texts in language '{language}'",
            hint=f"the documents are written in {', '.join(texts)}",
        )
    return texts[language]
