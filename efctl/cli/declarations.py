"""`efctl validate` and `efctl explain`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from efctl.app import Application
from efctl.cli.options import DECLARATIONS, EXIT_ERROR, PATHS, TEXT_OR_JSON, command, emit, pass_app
from efctl.render.diagnostics import format_diagnostic, summary


@command("validate")
@PATHS
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--offline", is_flag=True, help="Skip the checks that need the bank's side.")
@pass_app
def validate(app: Application, paths: tuple[Path, ...], strict: bool, offline: bool) -> None:
    """Check declarations against the schema, the catalog and the bank.

    PATHS are files or folders (default: `clients:` in efctl.yaml). Exit 0 when clean,
    1 on errors (and on warnings with --strict).
    """
    validation = app.validate(paths, offline=offline)
    for diagnostic in validation.diagnostics:
        click.echo(format_diagnostic(diagnostic), err=True)
    if validation.diagnostics:
        click.echo(summary(validation.diagnostics, validation.files), err=True)
    if validation.errors or (strict and validation.warnings):
        sys.exit(EXIT_ERROR)
    click.echo(f"{validation.files} declaration(s) valid.")


@command("explain")
@click.argument("client")
@click.argument("user")
@DECLARATIONS
@TEXT_OR_JSON
@pass_app
def explain(app: Application, client: str, user: str, paths: tuple[Path, ...], fmt: str) -> None:
    """Show USER's effective rights in CLIENT and where each one comes from."""
    explanation = app.explain(client, user, paths)
    emit(explanation.as_json, fmt, explanation.text)


COMMANDS = (validate, explain)
