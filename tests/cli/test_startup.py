"""`efctl --help` and shell completion load the command line only: the application, the bank,
the schema validators, the templates and the PDF code load with the command that uses them
(README "The benchmark": --help in under 0.2 s of CPU). Counted by module, not by clock."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "efctl.app.application",
    "efctl.sandbox",
    "efctl.declarations.pipeline",
    "jsonschema",
    "jsonschema_rs",
    "jinja2",
    "fpdf",
    "babel",
    "ruamel",
    "psycopg",
    "sqlite3",
)
PROBE = """
import json, sys
from efctl.cli import cli
try:
    cli(["--help"], prog_name="efctl")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_help_loads_no_application_bank_validator_template_or_pdf_code():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("Usage: efctl [OPTIONS] COMMAND [ARGS]...")
    loaded = json.loads(done.stderr)
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY] == []
    assert [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)] == []
