"""The root of the command line: global options, the command families, errors to exit codes."""

from __future__ import annotations

import os
import traceback

import click

from efctl.cli import (
    apply,
    audit,
    declarations,
    deliveries,
    edits,
    github,
    imports,
    keys,
    orders,
    plan,
    reports,
    sandbox,
)
from efctl.cli.options import EXIT_ERROR, EfctlCommand, GlobalOptions, _global_options
from efctl.errors import EfctlError, InvalidDeclarations
from efctl.render.diagnostics import format_diagnostic, summary


class EfctlGroup(click.Group):
    """Turns every EfctlError into its diagnostics, one message and exit 1; a crash is
    reported as a bug, with the trace only when asked for."""

    command_class = EfctlCommand

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EfctlError as exc:
            if isinstance(exc, InvalidDeclarations):
                validation = exc.validation
                for diagnostic in validation.diagnostics:
                    click.echo(format_diagnostic(diagnostic), err=True)
                click.echo(summary(validation.diagnostics, validation.files), err=True)
            for diagnostic in exc.diagnostics:
                click.echo(format_diagnostic(diagnostic), err=True)
            click.echo(f"efctl: error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"    hint: {exc.hint}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly
            if os.environ.get("EFCTL_DEBUG"):
                traceback.print_exc()
            click.echo(f"efctl: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo(
                "    hint: this is a bug in efctl; rerun with EFCTL_DEBUG=1 and report it", err=True
            )
            ctx.exit(EXIT_ERROR)


def _with_global_options(function):
    for option in reversed(_global_options()):
        function.__click_params__ = [*getattr(function, "__click_params__", []), option]
    return function


@click.group(cls=EfctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@_with_global_options
@click.version_option(package_name="efctl")
@click.pass_context
def cli(ctx: click.Context, **global_values) -> None:
    """Run a business customer's e-finance administration as code.

    Global options may be given before or after the command.
    """
    options = ctx.ensure_object(GlobalOptions)
    options.take(global_values)
    ctx.call_on_close(options.close)


for family in (
    declarations,
    plan,
    apply,
    github,
    imports,
    edits,
    orders,
    deliveries,
    keys,
    audit,
    reports,
    sandbox,
):
    for command in family.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="efctl")
