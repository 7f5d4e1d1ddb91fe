"""Reading the catalog: the packaged default, or a repository's own file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from efctl.declarations.loader import parse_document
from efctl.errors import EfctlError
from reconcile.catalog import Catalog, CatalogError


def load_catalog(path: Path | None = None, display: str | None = None) -> Catalog:
    """The catalog at PATH (else the packaged one), named DISPLAY in messages."""
    source = path or resources.files("efctl") / "data" / "catalog.yaml"
    shown = display or str(source)
    try:
        text = source.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EfctlError(f"{shown}: cannot read the catalog: {exc}") from exc
    try:
        return Catalog.from_mapping(data if isinstance(data, dict) else {})
    except CatalogError as exc:
        # Located problems (the risk tier policy) are placed like a declaration's: the file is
        # parsed again, with marks, only when there is something to point at.
        document = parse_document(text, shown) if exc.diagnostics else None
        raise EfctlError(
            f"{shown}: {exc}",
            hint="compare with efctl/data/catalog.yaml, the default",
            diagnostics=sorted(
                (document.place(d) for d in exc.diagnostics), key=lambda d: d.sort_key
            )
            if document
            else (),
        ) from exc
