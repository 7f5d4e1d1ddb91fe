"""The application layer: :class:`Application` (efctl.app.application), one object whose
methods are efctl's commands, over one module per command family.

Importing this package costs nothing: ``efctl --help`` and shell completion load the command
line, not the application (its families import jsonschema, the bank, the templates). The names
below are loaded on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from efctl.app.application import Application, bulk

__all__ = ["Application", "bulk"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from efctl.app import application

        return getattr(application, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
