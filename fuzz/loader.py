"""Coverage-guided fuzzing of the declaration loader and the per-file checks (atheris).

Every input must give a document whose diagnostics have known codes and places inside the
text, and the checks must never raise: the property tests' promise (tests/declarations/
test_spec_properties.py), searched by coverage instead of by strategy. .ci/run runs it for a
bounded time from the corpus of the repository's own declarations and golden cases:

    python fuzz/loader.py -max_total_time=60 -seed=1       # libFuzzer's options

A crash is written to ./crash-*; run `python fuzz/loader.py crash-…` to replay it.
"""

from __future__ import annotations

import re
import sys
import tempfile
from datetime import date
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from efctl.catalog import load_catalog
    from efctl.declarations.loader import parse_document
    from efctl.declarations.pipeline import check_document
    from efctl.declarations.schema import load_schema, with_catalog
    from efctl.sandbox.seed import load_seed
    from reconcile.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog(None)
SCHEMA = with_catalog(load_schema("client"), CATALOG)
BANK = {state.id: state for state in load_seed(ROOT / "tests" / "cli" / "bank")}
TODAY = date(2026, 11, 28)
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # as YAML counts lines


def one_input(data: bytes) -> None:
    document = parse_document(data, "fuzz.yaml")
    lines = len(LINE_BREAK.split(data.decode("utf-8", "replace")))
    for diagnostic in document.diagnostics:
        assert diagnostic.code in CODES, diagnostic
        assert diagnostic.file == "fuzz.yaml", diagnostic
        assert diagnostic.line >= 1 and diagnostic.col >= 1, diagnostic
    for line, col in [*document.marks.values(), *document.key_marks.values()]:
        assert 1 <= line <= lines and col >= 1, (line, col)
    problems, _, _ = check_document(document, SCHEMA, CATALOG, BANK.get, TODAY)
    for diagnostic in problems:
        assert diagnostic.code in CODES and diagnostic.line >= 1, diagnostic


def corpus() -> str:
    """A folder seeded with every declaration of the repository: valid ones and golden errors."""
    folder = Path(tempfile.mkdtemp(prefix="efctl-fuzz-"))
    for number, path in enumerate(sorted(ROOT.glob("**/clients/**/*.yaml"))):
        (folder / f"seed-{number}").write_bytes(path.read_bytes())
    return str(folder)


def main() -> None:
    arguments = sys.argv
    if not any(not a.startswith("-") for a in arguments[1:]):  # no corpus or file given
        arguments = [*arguments, corpus()]
    atheris.Setup(arguments, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
