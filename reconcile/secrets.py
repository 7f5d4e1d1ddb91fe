"""Secrets that must never be in a declaration: a string that looks like an API key, a token,
a private key or a password is an error (EF119) at its line, so that it is caught before it
is committed, planned or commented on a pull request.

The test is on values (keys are fixed by the schema): known token shapes, a password in a URL
or after ``password=``, and long random-looking runs (what ``secrets.token_urlsafe`` makes).
``signing_key`` holds an SSH *public* key line and is exempt. Comments are not data and are
not looked at.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from reconcile.diagnostics import Diagnostic, Pointer, error

EXEMPT = frozenset({"signing_key"})  # public keys: meant to be shared
SHAPES = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), "a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}"), "a payment API key"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
        "a JSON web token",
    ),
    (  # a scheme starts where no scheme character stands before it: linear on long runs
        re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
        "a URL with a password",
    ),
    (
        re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[:=]\s*\S{4,}"),
        "a password or secret",
    ),
)
RANDOM_RUN = re.compile(r"[A-Za-z0-9_\-+/=]{32,}")
MIN_ENTROPY = 4.0  # bits per character; words and ids stay well below, random base64 is ~5.5


def secret_kind(text: str) -> str | None:
    """What TEXT looks like, when it looks like a secret; None otherwise."""
    for pattern, kind in SHAPES:
        if pattern.search(text):
            return kind
    for run in RANDOM_RUN.findall(text):
        classes = sum(bool(re.search(c, run)) for c in ("[a-z]", "[A-Z]", "[0-9]"))
        if classes == 3 and _entropy(run) >= MIN_ENTROPY:
            return "an API key or token (a long random string)"
    return None


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def secret_diagnostics(data: Any) -> list[Diagnostic]:
    """EF119 for every string value of a declaration that looks like a secret."""
    return [
        error(
            "EF119",
            f"this value looks like {kind}: secrets never belong in a declaration",
            pointer,
            "remove it, and rotate it if it was ever committed: a declaration is read by "
            "everyone who reads the repository; API keys go to a secret sink at apply",
        )
        for pointer, kind in _found(data, ())
    ]


def _found(node: Any, at: Pointer) -> Iterator[tuple[Pointer, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key not in EXEMPT:
                yield from _found(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _found(value, (*at, index))
    elif isinstance(node, str):
        kind = secret_kind(node)
        if kind:
            yield at, kind
