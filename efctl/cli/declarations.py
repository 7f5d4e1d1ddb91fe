"""`efctl validate` and `efctl explain`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.completion import complete_client, complete_user
from efctl.cli.options import (
    DECLARATIONS,
    EXIT_ERROR,
    PATHS,
    TEXT_OR_JSON,
    command,
    emit,
    global_options,
    pass_app,
)
from efctl.config import CONFIG_NAME
from efctl.errors import EfctlError
from efctl.render.diagnostics import FORMATS, render_diagnostics

if TYPE_CHECKING:
    from efctl.app import Application


@command("validate")
@PATHS
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--offline", is_flag=True, help="Skip the checks that need the bank's side.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people (on stderr); json, github (workflow commands that annotate the "
    "pull request's diff) or sarif (SARIF 2.1.0 for code scanning) on stdout.",
)
def validate(paths: tuple[Path, ...], strict: bool, offline: bool, fmt: str) -> None:
    """Check declarations against the schema, the catalog and the bank.

    PATHS are files or folders (default: `clients:` in efctl.yaml). Exit 0 when clean,
    1 on errors (and on warnings with --strict).
    """
    try:
        validation = global_options().app().validate(paths, offline=offline)
    except EfctlError as exc:  # efctl.yaml's own mistakes, shown in the format asked for too
        if fmt == "text" or not exc.diagnostics:
            raise
        click.echo(render_diagnostics(exc.diagnostics, fmt, 0, anchor=CONFIG_NAME), nl=False)
        sys.exit(EXIT_ERROR)
    failed = bool(validation.errors or (strict and validation.warnings))
    shown = render_diagnostics(validation.diagnostics, fmt, validation.files, anchor=CONFIG_NAME)
    if fmt == "text":
        click.echo(shown, nl=False, err=True)
        if not failed:
            click.echo(f"{validation.files} declaration(s) valid.")
    else:
        click.echo(shown, nl=False)
    if failed:
        sys.exit(EXIT_ERROR)


@command("explain")
@click.argument("client", shell_complete=complete_client)
@click.argument("user", shell_complete=complete_user)
@DECLARATIONS
@TEXT_OR_JSON
@pass_app
def explain(app: Application, client: str, user: str, paths: tuple[Path, ...], fmt: str) -> None:
    """Show USER's effective rights in CLIENT and where each one comes from."""
    explanation = app.explain(client, user, paths)
    emit(explanation.as_json, fmt, explanation.text)


COMMANDS = (validate, explain)
