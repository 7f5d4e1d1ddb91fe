"""Shared fixtures of the engine tests: the packaged catalog and declarations from YAML text."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from efctl.catalog import load_catalog
from efctl.declarations.convert import to_client_spec
from reconcile.catalog import Catalog
from reconcile.model import ClientSpec, Contract


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def declare():
    """A ClientSpec from the YAML of a declaration; `client:` defaults to a test relationship."""

    def build(text: str) -> ClientSpec:
        data = yaml.safe_load(textwrap.dedent(text)) or {}
        data.setdefault("client", {"id": "10432210", "name": "Muster Holding AG", "language": "de"})
        return to_client_spec(data)

    return build


@pytest.fixture
def contracts():
    """Contracts from the YAML of a list like the bank seed's `contracts:`."""

    def build(text: str) -> tuple[Contract, ...]:
        return tuple(
            Contract(c["id"], c["type"], c["name"], tuple(c["allowed"]) if "allowed" in c else None)
            for c in yaml.safe_load(textwrap.dedent(text))
        )

    return build
