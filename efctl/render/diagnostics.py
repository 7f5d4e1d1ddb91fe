"""Diagnostics for people and for machines: compiler-style text, JSON, GitHub Actions
annotations and SARIF 2.1.0 for GitHub code scanning. Pure functions of the diagnostics."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

from efctl.render.redact import mask
from reconcile.diagnostics import CODES, Diagnostic, Severity

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://efctl.dev/"  # the domain of efctl's schema $ids


# GitHub refuses a whole SARIF file when one result has no location; a problem of no one file
# is the run's, whose settings file is at the root.
def render_diagnostics(
    diagnostics: Sequence[Diagnostic], fmt: str, files_checked: int, *, anchor: str
) -> str:
    """DIAGNOSTICS as FMT (one of FORMATS), from a check of FILES_CHECKED files; a diagnostic
    without a file is shown at ANCHOR where the format needs a file (SARIF)."""
    if fmt == "sarif":
        return _sarif(diagnostics, files_checked, anchor)
    return RENDERERS[fmt](diagnostics, files_checked)


def format_diagnostic(d: Diagnostic) -> str:
    """``FILE:LINE:COL: error EF###: message`` and an indented hint line, as compilers print."""
    where = ":".join(str(p) for p in (d.file, d.line, d.col) if p is not None)
    head = f"{where}: " if where else ""
    text = f"{head}{d.severity.value} {d.code}: {d.message}"
    if d.hint:
        text += f"\n    hint: {d.hint}"
    return text


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors, warnings = _counts(diagnostics)
    counted = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    return f"{counted} in {_count(files, 'file')}"


def _text(diagnostics: Sequence[Diagnostic], files: int) -> str:
    if not diagnostics:
        return ""
    lines = [*(format_diagnostic(d) for d in diagnostics), summary(diagnostics, files)]
    return "\n".join(lines) + "\n"


def _json(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors, warnings = _counts(diagnostics)
    document = {
        "diagnostics": [
            {
                "code": d.code,
                "severity": d.severity.value,
                "message": d.message,
                "hint": d.hint,
                "file": d.file,
                "line": d.line,
                "col": d.col,
            }
            for d in diagnostics
        ],
        "summary": {"errors": errors, "warnings": warnings, "files": files},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _github(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """One workflow command per diagnostic (an annotation on the file's line), then the summary;
    escaped as GitHub's toolkit does, so that no message can end or inject a command. Everyone
    who can read the repository reads annotations, as they read the plan comment: e-mail
    addresses and IBANs in the message and hint are masked the same way."""
    if not diagnostics:
        return ""
    lines = []
    for d in diagnostics:
        properties = {"file": d.file, "line": d.line, "col": d.col, "title": d.code}
        listed = ",".join(
            f"{name}={_escape_property(str(value))}"
            for name, value in properties.items()
            if value is not None
        )
        lines.append(f"::{d.severity.value} {listed}::{_escape_data(mask(_with_hint(d)))}")
    return "\n".join([*lines, summary(diagnostics, files)]) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _sarif(diagnostics: Sequence[Diagnostic], files: int, anchor: str) -> str:
    """One run whose rules are the codes used (sorted), each result located in its file."""
    codes = sorted({d.code for d in diagnostics})
    rules = [
        {
            "id": code,
            "shortDescription": {"text": CODES.get(code, code)},
            "help": {
                "text": f"{code}: {CODES.get(code, code)}. `efctl validate` prints each problem "
                "with a hint; efctl's README lists every code."
            },
            "defaultConfiguration": {"level": _rule_level(code, diagnostics)},
        }
        for code in codes
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": d.severity.value,
            "message": {"text": _with_hint(d)},
            "locations": [{"physicalLocation": _physical_location(d, anchor)}],
        }
        for d in diagnostics
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "efctl",
                        "version": version("efctl"),
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",  # the loader counts characters
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule_level(code: str, diagnostics: Sequence[Diagnostic]) -> str:
    """error when the code was reported as an error, else warning."""
    severities = {d.severity for d in diagnostics if d.code == code}
    return (Severity.ERROR if Severity.ERROR in severities else Severity.WARNING).value


def _physical_location(d: Diagnostic, anchor: str) -> dict:
    """The file relative to the checkout (%SRCROOT%), or as a file: URI when absolute; the
    region only as far as it is known."""
    path = Path(d.file or anchor)
    if path.is_absolute():
        artifact = {"uri": path.as_uri()}
    else:
        artifact = {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}
    location: dict = {"artifactLocation": artifact}
    if d.line is not None:
        location["region"] = {"startLine": d.line} | (
            {"startColumn": d.col} if d.col is not None else {}
        )
    return location


def _with_hint(d: Diagnostic) -> str:
    return f"{d.message}\nhint: {d.hint}" if d.hint else d.message


def _counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    return errors, len(diagnostics) - errors


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


RENDERERS: dict[str, Callable[[Sequence[Diagnostic], int], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
}
FORMATS = (*RENDERERS, "sarif")
