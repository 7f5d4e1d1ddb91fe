"""Diagnostics as compilers print them: ``FILE:LINE:COL: error EF###: message`` plus a hint."""

from __future__ import annotations

from collections.abc import Sequence

from reconcile.diagnostics import Diagnostic, Severity


def format_diagnostic(d: Diagnostic) -> str:
    where = ":".join(str(p) for p in (d.file, d.line, d.col) if p is not None)
    head = f"{where}: " if where else ""
    text = f"{head}{d.severity.value} {d.code}: {d.message}"
    if d.hint:
        text += f"\n    hint: {d.hint}"
    return text


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    counted = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    return f"{counted} in {_count(files, 'file')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
