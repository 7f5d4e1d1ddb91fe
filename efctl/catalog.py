"""Reading the catalog: the packaged default, or a repository's own file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from efctl.declarations.loader import parse_document
from efctl.errors import EfctlError
from reconcile.catalog import Catalog, CatalogError


def load_catalog(path: Path | None = None) -> Catalog:
    source = path or resources.files("efctl") / "data" / "catalog.yaml"
    try:
        text = source.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EfctlError(f"{source}: cannot read the catalog: {exc}") from exc
    try:
        return Catalog.from_mapping(data if isinstance(data, dict) else {})
    except CatalogError as exc:
        # Located problems (the risk tier policy) are placed like a declaration's: the file is
        # parsed again, with marks, only when there is something to point at.
        document = parse_document(text, str(source)) if exc.diagnostics else None
        raise EfctlError(
            f"{source}: {exc}",
            hint="compare with efctl/data/catalog.yaml, the default",
            diagnostics=[document.place(d) for d in exc.diagnostics] if document else (),
        ) from exc
