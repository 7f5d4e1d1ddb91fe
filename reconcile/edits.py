"""Edits of a declaration document as data: what ``expire`` and ``adopt`` decide, and the YAML
layer (efctl/declarations/edit.py) carries out without knowing why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconcile.diagnostics import Pointer


class Op(StrEnum):
    SET = "set"  # the key at ``pointer`` gets ``value`` (None: the key goes)
    APPEND = "append"  # ``value`` goes to the end of the list at ``pointer`` (made if missing)
    REMOVE = "remove"  # the list item or key at ``pointer`` goes


@dataclass(frozen=True)
class Edit:
    op: Op
    pointer: Pointer
    value: Any = None
