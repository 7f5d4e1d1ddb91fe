"""Reading the catalog: the packaged default, or a repository's own file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from efctl.errors import EfctlError
from reconcile.catalog import Catalog, CatalogError


def load_catalog(path: Path | None = None) -> Catalog:
    source = path or resources.files("efctl") / "data" / "catalog.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EfctlError(f"{source}: cannot read the catalog: {exc}") from exc
    try:
        return Catalog.from_mapping(data if isinstance(data, dict) else {})
    except CatalogError as exc:
        raise EfctlError(
            f"{source}: {exc}", hint="compare with efctl/data/catalog.yaml, the default"
        ) from exc
