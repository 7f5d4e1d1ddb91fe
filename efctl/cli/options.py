"""What every command shares: the global options, the application they build, output helpers.

Global options (``--backend``, ``--catalog``, ``--color``) are accepted before the subcommand
(``efctl --backend URL plan``) and after it (``efctl plan --backend URL``), the later one
winning, and every command's help lists them under "Global options". The application is built
on first use, inside the error handling of the root group, so bad settings are reported as
diagnostics like everything else.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    from efctl.app import Application

EXIT_ERROR, EXIT_CHANGES = 1, 2
A_FILE = click.Path(path_type=Path, dir_okay=False)  # an option's or argument's file
A_FOLDER = click.Path(path_type=Path, file_okay=False)
COLOR_CHOICES = ("auto", "always", "never")


def _global_options() -> list[click.Option]:
    """Fresh option objects (click needs one per command)."""
    return [
        click.Option(
            ["--backend"],
            metavar="URL",
            help="sqlite:///PATH or postgresql://… (env EFCTL_BACKEND).",
        ),
        click.Option(
            ["--catalog"],
            metavar="FILE",
            help="A catalog overriding the packaged one (env EFCTL_CATALOG).",
        ),
        click.Option(
            ["--color"],
            type=click.Choice(COLOR_CHOICES),
            help="Colour the text output: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces "
            "it), always or never.  [default: auto]",
        ),
    ]


GLOBAL_NAMES = tuple(option.name for option in _global_options())


@dataclass
class GlobalOptions:
    """The global options as given so far (root group, then the command), and the app."""

    backend: str | None = None
    catalog: str | None = None
    color: str | None = None
    _app: Application | None = None

    def take(self, values: dict[str, Any]) -> None:
        for name in GLOBAL_NAMES:
            value = values.pop(name, None)
            if value is not None:
                setattr(self, name, value)

    def app(self) -> Application:
        if self._app is None:
            from efctl.app import Application  # loaded by a command, never by --help
            from efctl.config import load_settings

            self._app = Application(load_settings(backend=self.backend, catalog=self.catalog))
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()

    def colored(self, stream: TextIO | None = None) -> bool:
        return use_color(self.color or "auto", stream or sys.stdout, os.environ)


def use_color(choice: str, stream: TextIO, environ) -> bool:
    """--color, then FORCE_COLOR and NO_COLOR (no-color.org: any non-empty value), then a tty."""
    if choice != "auto":
        return choice == "always"
    if environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if environ.get("NO_COLOR", ""):
        return False
    return stream.isatty()


class EfctlCommand(click.Command):
    """A command that also takes the global options, listed in its help under their own head."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.extend(_global_options())

    def invoke(self, ctx: click.Context):
        ctx.find_root().ensure_object(GlobalOptions).take(ctx.params)
        return super().invoke(ctx)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        own, shared = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record:
                (shared if param.name in GLOBAL_NAMES else own).append(record)
        for title, rows in (("Options", own), ("Global options", shared)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def pass_app(function: Callable) -> Callable:
    """Hand the command the application, built from the global options."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(click.get_current_context().find_root().obj.app(), *args, **kwargs)

    return wrapper


def run_url() -> str | None:
    """The GitHub Actions run this command runs in, for a comment's footer; None outside."""
    server, repository, run = (
        os.environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repository}/actions/runs/{run}" if server and repository and run else None


def global_options() -> GlobalOptions:
    return click.get_current_context().find_root().obj


def emit(data: Any, fmt: str, text: Callable[[], str]) -> None:
    """JSON for machines, or the text view (made only when it is shown)."""
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text(), nl=False)


TEXT_OR_JSON = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
CLIENT = click.option("--client", metavar="ID", help="Only this relationship.")
DECLARATIONS = click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Where the declarations are (default: `clients:` in efctl.yaml).",
)
PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


PROGRESS_AFTER = 5  # a progress bar only for more relationships than this


def progress(label: str) -> Callable[[list], Any]:
    """A progress bar on stderr labelled ``label`` when there are more than a few items."""

    def shown(items: list):
        if len(items) <= PROGRESS_AFTER:
            yield from items
            return
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return shown


class CommandGroup(click.Group):
    """A group of commands (``sandbox``, ``orders``, ``audit``) whose commands take the globals."""

    command_class = EfctlCommand


def command(name: str, **kwargs):
    """``click.command`` for a top-level command: it takes the global options too."""
    return click.command(name, cls=EfctlCommand, **kwargs)
