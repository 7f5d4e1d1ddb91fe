"""The command line: parse, call one Workspace method, render, map the outcome to an exit code."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import click

from efctl.app import Workspace
from efctl.config import load_settings
from efctl.errors import EfctlError, InvalidDeclarations
from efctl.render.diagnostics import format_diagnostic, summary
from efctl.render.sandbox import status_text

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


class EfctlGroup(click.Group):
    """Turns every EfctlError into one readable message and exit 1; a crash is reported as a bug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EfctlError as exc:
            if isinstance(exc, InvalidDeclarations):
                _report(exc.validation)
            click.echo(f"efctl: error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"    hint: {exc.hint}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly, show the trace only when asked
            if os.environ.get("EFCTL_DEBUG"):
                traceback.print_exc()
            click.echo(f"efctl: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo(
                "    hint: this is a bug in efctl; rerun with EFCTL_DEBUG=1 and report it", err=True
            )
            ctx.exit(EXIT_ERROR)


@click.group(cls=EfctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--backend", metavar="URL", help="sqlite:///PATH or postgresql://… (env EFCTL_BACKEND)."
)
@click.option(
    "--catalog", metavar="FILE", help="A catalog overriding the packaged one (env EFCTL_CATALOG)."
)
@click.version_option(package_name="efctl")
@click.pass_context
def cli(ctx: click.Context, backend: str | None, catalog: str | None) -> None:
    """Run a business customer's e-finance administration as code."""
    workspace = Workspace(load_settings(backend=backend, catalog=catalog))
    ctx.call_on_close(workspace.close)
    ctx.obj = workspace


def _report(validation, strict: bool = False) -> bool:
    """Print diagnostics to stderr; True when the run must fail."""
    for diagnostic in validation.diagnostics:
        click.echo(format_diagnostic(diagnostic), err=True)
    if validation.diagnostics:
        click.echo(summary(validation.diagnostics, validation.files), err=True)
    return bool(validation.errors) or (strict and bool(validation.warnings))


@cli.command("validate")
@PATHS
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--offline", is_flag=True, help="Skip the checks that need the bank's side.")
@click.pass_obj
def validate_cmd(ws: Workspace, paths: tuple[Path, ...], strict: bool, offline: bool) -> None:
    """Check declarations against the schema, the catalog and the bank.

    PATHS are files or folders (default: `clients:` in efctl.yaml). Exit 0 when clean,
    1 on errors (and on warnings with --strict).
    """
    validation = ws.validate(paths, offline=offline)
    if _report(validation, strict):
        sys.exit(EXIT_ERROR)
    click.echo(f"{validation.files} declaration(s) valid.")


@cli.command("explain")
@click.argument("client")
@click.argument("user")
@click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Where the declarations are (default: `clients:` in efctl.yaml).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def explain_cmd(ws: Workspace, client: str, user: str, paths: tuple[Path, ...], fmt: str) -> None:
    """Show USER's effective rights in CLIENT and where each one comes from."""
    explanation = ws.explain(client, user, paths)
    if fmt == "json":
        click.echo(json.dumps(explanation.as_json, indent=2, ensure_ascii=False))
    else:
        click.echo(explanation.as_text, nl=False)


@cli.group("sandbox")
def sandbox() -> None:
    """The embedded sandbox bank (SQLite by default, or PostgreSQL)."""


SEED = click.option(
    "--seed",
    type=click.Path(path_type=Path, file_okay=False),
    help="Seed folder (default: `seed:` in efctl.yaml).",
)


@sandbox.command("init")
@SEED
@click.pass_obj
def sandbox_init(ws: Workspace, seed: Path | None) -> None:
    """Create the sandbox bank and seed it."""
    click.echo(ws.sandbox_init(seed))


@sandbox.command("reset")
@SEED
@click.pass_obj
def sandbox_reset(ws: Workspace, seed: Path | None) -> None:
    """Drop everything in the sandbox bank and seed it again."""
    click.echo(ws.sandbox_reset(seed))


@sandbox.command("status")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def sandbox_status(ws: Workspace, fmt: str) -> None:
    """What the sandbox bank holds: schema version, relationships, serials, counts."""
    status = ws.sandbox_status()
    click.echo(
        json.dumps(status, indent=2) if fmt == "json" else status_text(status), nl=fmt == "json"
    )


def main() -> None:
    cli(prog_name="efctl")
