"""`efctl sandbox init|reset|status|tick`: the embedded sandbox bank."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.options import A_FOLDER, TEXT_OR_JSON, CommandGroup, emit, pass_app
from efctl.render.sandbox import status_text, tick_text

if TYPE_CHECKING:
    from efctl.app import Application

SEED = click.option(
    "--seed",
    type=A_FOLDER,
    help="Seed folder (default: `seed:` in efctl.yaml).",
)


TODAY = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The day the bank runs on (default: EFCTL_TODAY, else today).",
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


@sandbox.command("tick")
@TODAY
@TEXT_OR_JSON
@pass_app
def sandbox_tick(app: Application, today: str | None, fmt: str) -> None:
    """Run the bank's own daily step: the automatic ISO version change.

    After the catalog's end of the parallel phase (at the end of that day), the bank switches
    every camt delivery still on an older ISO version to the newest one: one executed order per
    relationship, made by the bank, in the audit chain, and the relationship's serial moves.
    The bank also does this by itself whenever a command opens it after that day. A second
    tick changes nothing. With SMTP configured (EFCTL_SMTP_URL or efctl.yaml's smtp:), the
    tick also sends the API key expiry notices due (see `efctl sandbox notify`).
    """
    ticked = app.sandbox_tick(today).as_json()
    if not app.settings.smtp_url:
        emit(ticked, fmt, lambda: tick_text(ticked))
        return
    notified = app.sandbox_notify(today)
    shown = ticked | {"notices": notified.as_json()}
    emit(shown, fmt, lambda: tick_text(ticked) + notified.text())


@sandbox.command("notify")
@TODAY
@TEXT_OR_JSON
@pass_app
def sandbox_notify(app: Application, today: str | None, fmt: str) -> None:
    """E-mail each API key's user at least 30 days before the key expires.

    Once per key and threshold (the bank records each notice in the same transaction that
    sends it: never twice, also not by two runs at once), in the user's language, over SMTP
    from EFCTL_SMTP_URL or efctl.yaml's smtp: (smtp://, smtps://, ?starttls=true, USER:PASSWORD@
    for authentication; the password is never printed).
    """
    notified = app.sandbox_notify(today)
    shown = notified.as_json()
    emit(shown, fmt, notified.text)


COMMANDS = (sandbox,)
