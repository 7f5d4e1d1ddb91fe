"""`efctl github-ids`: the GitHub user id behind each declared login, looked up once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.options import EXIT_ERROR, PATHS, command, pass_app

if TYPE_CHECKING:
    from efctl.app import Application


@command("github-ids")
@PATHS
@click.option(
    "--write",
    is_flag=True,
    help="Add the missing github_ids to the declarations (never change one).",
)
@pass_app
def github_ids_command(app: Application, paths: tuple[Path, ...], write: bool) -> None:
    """Look up the GitHub id of every declared `github` login (`gh api users/LOGIN`, once per
    login) and check it against the declared `github_id`.

    A review counts as a user's only from the account with their github_id: a login that was
    renamed, or freed and taken by someone else, is no longer theirs. Exit 0 when every login
    has its github_id and it is the login's id now; 1 otherwise (with --write: after adding the
    missing ones, 1 only for a mismatch or an unknown login).
    """
    found = app.github_ids(paths, write=write)
    click.echo(found.text(), nl=False)
    if not found.ok:
        sys.exit(EXIT_ERROR)


COMMANDS = (github_ids_command,)
