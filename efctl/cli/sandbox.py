"""`efctl sandbox init|reset|status`: the embedded sandbox bank."""

from __future__ import annotations

from pathlib import Path

import click

from efctl.app import Application
from efctl.cli.options import A_FOLDER, TEXT_OR_JSON, CommandGroup, emit, pass_app
from efctl.render.sandbox import status_text

SEED = click.option(
    "--seed",
    type=A_FOLDER,
    help="Seed folder (default: `seed:` in efctl.yaml).",
)


@click.group("sandbox", cls=CommandGroup)
def sandbox() -> None:
    """The embedded sandbox bank (SQLite by default, or PostgreSQL)."""


@sandbox.command("init")
@SEED
@pass_app
def sandbox_init(app: Application, seed: Path | None) -> None:
    """Create the sandbox bank and seed it."""
    click.echo(app.sandbox_init(seed).text())


@sandbox.command("reset")
@SEED
@pass_app
def sandbox_reset(app: Application, seed: Path | None) -> None:
    """Drop everything in the sandbox bank and seed it again."""
    click.echo(app.sandbox_reset(seed).text())


@sandbox.command("status")
@TEXT_OR_JSON
@pass_app
def sandbox_status(app: Application, fmt: str) -> None:
    """What the sandbox bank holds: schema version, relationships, serials, counts."""
    status = app.sandbox_status().as_json
    emit(status, fmt, lambda: status_text(status))


COMMANDS = (sandbox,)
