"""`efctl import`: a relationship's declaration written from the bank's side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.completion import complete_client
from efctl.cli.options import A_FILE, command, pass_app

if TYPE_CHECKING:
    from efctl.app import Application


@command("import")
@click.argument("client", shell_complete=complete_client)
@click.option(
    "--out",
    type=A_FILE,
    help="Write the declaration to FILE instead of printing it.",
)
@click.option(
    "--github-ids",
    is_flag=True,
    help="Look up each login's GitHub user id (`gh api users/LOGIN`) and declare it.",
)
@pass_app
def import_(app: Application, client: str, out: Path | None, github_ids: bool) -> None:
    """Write CLIENT's declaration from what the bank holds (review it before committing).

    The bank keeps GitHub logins, not GitHub's permanent user ids; with --github-ids each
    login's id is looked up once and declared as `github_id`, so that a review counts only
    from that account (`efctl github-ids` checks them later).
    """
    imported = app.import_client(client, out=out, github_ids=github_ids)
    if imported.out:
        click.echo(f"wrote {app.settings.display(imported.out)}", err=True)
    else:
        click.echo(imported.text, nl=False)


COMMANDS = (import_,)
