"""`efctl plan` and `efctl show`: a plan made now, or a saved one, in the format asked for."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.app.planfile import write_parts, write_plan
from efctl.cli.completion import complete_client
from efctl.cli.options import (
    A_FILE,
    A_FOLDER,
    EXIT_CHANGES,
    PATHS,
    command,
    global_options,
    pass_app,
    run_url,
)
from efctl.render.plan_text import DEFAULT_WIDTH, diagnostic_text, render_text
from reconcile.plan import Plan

if TYPE_CHECKING:
    from efctl.app import Application

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for people, markdown for pull-request comments, json for machines.",
)
PARTS_DIR = click.option(
    "--parts-dir",
    type=A_FOLDER,
    help="With --format markdown: write each comment-sized part to DIR/plan-N.md.",
)


def _parts_need_markdown(fmt: str, parts_dir: Path | None) -> None:
    if parts_dir and fmt != "markdown":
        raise click.UsageError("--parts-dir goes with --format markdown")


def _emit_plan(plan: Plan, fmt: str, parts_dir: Path | None) -> None:
    """The plan in FMT, rendered from its JSON document (the contract every view reads)."""
    document = plan.to_json()
    if fmt == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        from efctl.render.plan_markdown import render_markdown  # jinja2 loads only for it

        parts = render_markdown(document, run_url=run_url())
        if parts_dir:
            write_parts(parts, parts_dir)
        click.echo("\n".join(parts), nl=False)
    else:
        colored = global_options().colored()  # click strips colour off a pipe unless told
        columns = shutil.get_terminal_size(fallback=(DEFAULT_WIDTH, 24)).columns  # or $COLUMNS
        text = render_text(document, color=colored, width=columns)
        click.echo(text, nl=False, color=colored)


def _saved(out: Path) -> None:
    click.echo(
        f"Saved the plan to {out}; apply it with: efctl apply {out} --approvals FILE", err=True
    )


@command("plan")
@PATHS
@click.option(
    "--client",
    "clients",
    multiple=True,
    metavar="ID",
    help="Plan only these relationships.",
    shell_complete=complete_client,
)
@click.option("--out", type=A_FILE, help="Save the plan (JSON) for apply.")
@FORMAT
@PARTS_DIR
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none."
)
@click.option(
    "--allow-mass-removal",
    is_flag=True,
    help="Allow deleting more than 25 % of a relationship's users.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Plan only the relationships whose declaration files differ from the git revision "
    "REF (working tree, untracked files too); all of them when efctl.yaml or the catalog did.",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Plan only share K of N (by a hash of the client id), for one job of a CI matrix; "
    "`efctl show` merges the N shard plans.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Parse and check the declaration files in this many processes (0: every core).",
)
@pass_app
def plan(
    app: Application,
    paths,
    clients,
    out,
    fmt,
    parts_dir,
    detailed_exitcode,
    allow_mass_removal,
    changed_since,
    shard,
    jobs,
):
    """Show what would change at the bank to match the declarations.

    Exit 0 (no changes, or changes without --detailed-exitcode), 1 on errors, 2 with
    --detailed-exitcode when there are changes.
    """
    _parts_need_markdown(fmt, parts_dir)
    from efctl.app import bulk

    with bulk():  # planned and rendered without the cycle collector's passes
        made = app.plan(
            paths,
            clients,
            allow_mass_removal=allow_mass_removal,
            changed_since=changed_since,
            shard=shard,
            jobs=jobs,
        )
        if fmt != "text":  # the text view shows them itself
            for diagnostic in made.to_json()["diagnostics"]:
                click.echo(diagnostic_text(diagnostic), err=True)
        if out:
            write_plan(made, out)
        _emit_plan(made, fmt, parts_dir)
    if out:
        _saved(out)
    if detailed_exitcode and made.has_changes:
        sys.exit(EXIT_CHANGES)


@command("show")
@click.argument("planfile", nargs=-1, required=True, type=A_FILE)
@FORMAT
@PARTS_DIR
@click.option(
    "--out", type=A_FILE, help="Save the plan shown (the merged one, for shard plans) for apply."
)
@pass_app
def show(
    app: Application, planfile: tuple[Path, ...], fmt: str, parts_dir: Path | None, out
) -> None:
    """Render a saved plan (after checking that it is intact).

    Given the shard plans of one run (`efctl plan --shard K/N`), show them merged into the
    one plan they make up, with one plan id; --out saves it for apply.
    """
    _parts_need_markdown(fmt, parts_dir)
    shown = app.show(planfile)
    if out:
        write_plan(shown, out)
    _emit_plan(shown, fmt, parts_dir)
    if out:
        _saved(out)


COMMANDS = (plan, show)
