"""The command line: parse, call one Workspace method, render, map the outcome to an exit code."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import click

from efctl.app import Workspace, github
from efctl.app.apply import LocalEvidence, apply, approve
from efctl.app.imports import import_client
from efctl.app.planfile import has_changes, read_plan, write_parts, write_plan
from efctl.cli.bank import TEXT_OR_JSON, audit, orders
from efctl.cli.completion import complete_client, complete_user
from efctl.config import load_settings
from efctl.errors import EfctlError, InvalidDeclarations
from efctl.render.diagnostics import format_diagnostic, summary
from efctl.render.plan_markdown import render_markdown
from efctl.render.plan_text import diagnostic_text, render_text
from efctl.render.sandbox import status_text

EXIT_ERROR, EXIT_CHANGES = 1, 2
PROGRESS_AFTER = 5
PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
DECLARATIONS = click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Where the declarations are (default: `clients:` in efctl.yaml).",
)


class EfctlGroup(click.Group):
    """Turns every EfctlError into one readable message and exit 1; a crash is reported as a bug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EfctlError as exc:
            if isinstance(exc, InvalidDeclarations):
                _report(exc.validation)
            for diagnostic in exc.diagnostics:
                click.echo(format_diagnostic(diagnostic), err=True)
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
@click.argument("client", shell_complete=complete_client)
@click.argument("user", shell_complete=complete_user)
@DECLARATIONS
@TEXT_OR_JSON
@click.pass_obj
def explain_cmd(ws: Workspace, client: str, user: str, paths: tuple[Path, ...], fmt: str) -> None:
    """Show USER's effective rights in CLIENT and where each one comes from."""
    explanation = ws.explain(client, user, paths)
    if fmt == "json":
        click.echo(json.dumps(explanation.as_json, indent=2, ensure_ascii=False))
    else:
        click.echo(explanation.as_text, nl=False)


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
    type=click.Path(path_type=Path, file_okay=False),
    help="With --format markdown: write each comment-sized part to DIR/plan-N.md.",
)


def _emit_plan(plan: dict, fmt: str, parts_dir: Path | None) -> None:
    if fmt == "json":
        click.echo(json.dumps(plan, indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        parts = render_markdown(plan)
        if parts_dir:
            write_parts(parts, parts_dir)
        click.echo("\n".join(parts), nl=False)
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(render_text(plan, color=color), nl=False)


@cli.command("plan")
@PATHS
@click.option(
    "--client",
    "clients",
    multiple=True,
    metavar="ID",
    shell_complete=complete_client,
    help="Plan only these relationships.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan (JSON) for apply."
)
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
@click.pass_obj
def plan_cmd(
    ws: Workspace, paths, clients, out, fmt, parts_dir, detailed_exitcode, allow_mass_removal
):
    """Show what would change at the bank to match the declarations.

    Exit 0 (no changes, or changes without --detailed-exitcode), 1 on errors, 2 with
    --detailed-exitcode when there are changes.
    """
    plan = ws.plan(paths, clients, allow_mass_removal=allow_mass_removal)
    if fmt != "text":  # the text view shows them itself
        for diagnostic in plan["diagnostics"]:
            click.echo(diagnostic_text(diagnostic), err=True)
    if out:
        write_plan(plan, out)
    _emit_plan(plan, fmt, parts_dir)
    if out:
        click.echo(
            f"Saved the plan to {out}; apply it with: efctl apply {out} --approvals FILE", err=True
        )
    if detailed_exitcode and has_changes(plan):
        sys.exit(EXIT_CHANGES)


@cli.command("show")
@click.argument("planfile", type=click.Path(path_type=Path, dir_okay=False))
@FORMAT
@PARTS_DIR
def show_cmd(planfile: Path, fmt: str, parts_dir: Path | None) -> None:
    """Render a saved plan (after checking that it is intact)."""
    _emit_plan(read_plan(planfile), fmt, parts_dir)


@cli.command("approve")
@click.argument("planfile", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--as", "user", required=True, metavar="USER", help="Your e-finance user id.")
@click.option(
    "--author", metavar="USER", help="Who made the plan (needed with the first approval)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The approvals file (default: PLANFILE's name + .approvals.json).",
)
@click.pass_obj
def approve_cmd(ws: Workspace, planfile: Path, user: str, author: str | None, out: Path | None):
    """Record a local approval of a saved plan (dual control without a pull request)."""
    click.echo(approve(ws, planfile, user, author, out))


@cli.command("apply")
@click.argument("planfile", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--approvals",
    "approvals_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Evidence from `efctl approve`.",
)
@click.option(
    "--github-reviews",
    "reviews_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Evidence from a pull request: its reviews as GitHub lists them "
    "(`gh api --paginate repos/OWNER/REPO/pulls/N/reviews`).",
)
@click.option(
    "--github-event",
    "event_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The pull_request event ($GITHUB_EVENT_PATH) or the pull request object: "
    "author, head and base.",
)
@click.option("--pr-author", metavar="LOGIN", help="Without --github-event: who opened the PR.")
@click.option("--head-sha", metavar="SHA", help="Without --github-event: the reviewed commit.")
@click.option(
    "--base-ref",
    metavar="REV",
    help="Whose declarations say which login is which user (default: the event's base sha).",
)
@DECLARATIONS
@TEXT_OR_JSON
@click.option(
    "--artifacts",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where Admin-right forms to sign are written (default: artifacts/ at the root).",
)
@click.pass_obj
def apply_cmd(
    ws: Workspace,
    planfile: Path,
    approvals_file: Path | None,
    reviews_file: Path | None,
    event_file: Path | None,
    pr_author: str | None,
    head_sha: str | None,
    base_ref: str | None,
    paths,
    fmt: str,
    artifacts: Path | None,
) -> None:
    """Apply a reviewed plan exactly as reviewed: one order per relationship, or refuse.

    The evidence is either local approvals (--approvals) or a pull request's reviews
    (--github-reviews with --github-event, or with --pr-author, --head-sha and --base-ref):
    only approvals of the head commit count, never the author's, and a login is a user only
    through the `github` logins declared at the base. The plan must have been made from the
    head's declarations.

    Exit 0 when every relationship with changes was applied (or had been), 1 otherwise.
    """
    github_only = event_file or pr_author or head_sha or base_ref
    if bool(approvals_file) == bool(reviews_file):
        raise click.UsageError("give exactly one of --approvals and --github-reviews")
    if approvals_file and github_only:
        raise click.UsageError(
            "--github-event, --pr-author, --head-sha and --base-ref go with --github-reviews"
        )
    if reviews_file:
        pull = github.pull_request(event_file, pr_author, head_sha, base_ref)
        evidence = github.ReviewEvidence(ws, pull, github.read_reviews(reviews_file), paths)
    else:
        evidence = LocalEvidence(approvals_file, ws.bank)
    report = apply(ws, planfile, evidence, paths, progress=_progress)
    shown = evidence.annotate(report.as_json())
    click.echo(
        json.dumps(shown, indent=2, ensure_ascii=False) if fmt == "json" else evidence.text(shown),
        nl=fmt == "json",
    )
    from efctl.reports.admin_form import write_admin_forms  # fpdf loads slowly: only for apply

    for form in write_admin_forms(ws, report, artifacts or ws.settings.root / "artifacts"):
        click.echo(f"wrote the Admin-right form to sign: {ws.settings.display(form)}", err=True)
    if not report.ok:
        sys.exit(EXIT_ERROR)


def _progress(items: list):
    """A progress bar on stderr when there are more than a few relationships."""
    if len(items) <= PROGRESS_AFTER:
        yield from items
        return
    with click.progressbar(items, label="applying", file=sys.stderr) as bar:
        yield from bar


@cli.command("import")
@click.argument("client", shell_complete=complete_client)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the declaration to FILE instead of printing it.",
)
@click.pass_obj
def import_cmd(ws: Workspace, client: str, out: Path | None) -> None:
    """Write CLIENT's declaration from what the bank holds (review it before committing)."""
    text = import_client(ws, client, out=out)
    if out:
        click.echo(f"wrote {ws.settings.display(out)}", err=True)
    else:
        click.echo(text, nl=False)


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
@TEXT_OR_JSON
@click.pass_obj
def sandbox_status(ws: Workspace, fmt: str) -> None:
    """What the sandbox bank holds: schema version, relationships, serials, counts."""
    status = ws.sandbox_status()
    click.echo(
        json.dumps(status, indent=2) if fmt == "json" else status_text(status), nl=fmt == "json"
    )


cli.add_command(orders)
cli.add_command(audit)


def main() -> None:
    cli(prog_name="efctl")
