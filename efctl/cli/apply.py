"""`efctl approve` and `efctl apply`: local approvals, and applying a reviewed plan."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.app.signing import KEY_VARIABLE
from efctl.cli.options import (
    A_FILE,
    A_FOLDER,
    DECLARATIONS,
    EXIT_ERROR,
    command,
    pass_app,
    progress,
    run_url,
)
from efctl.config import DEFAULT_LOCK_TIMEOUT
from efctl.files import write_file
from efctl.render.apply import apply_markdown

if TYPE_CHECKING:
    from efctl.app import Application
    from efctl.app.apply import EvidenceSource


@command("approve")
@click.argument("planfile", type=A_FILE)
@click.option("--as", "user", required=True, metavar="USER", help="Your e-finance user id.")
@click.option(
    "--author", metavar="USER", help="Who made the plan (needed with the first approval)."
)
@click.option(
    "--out",
    type=A_FILE,
    help="The approvals file (default: PLANFILE's name + .approvals.json).",
)
@click.option(
    "--key",
    type=A_FILE,
    envvar=KEY_VARIABLE,
    show_envvar=True,
    help="Your SSH private key to sign with, or its .pub with the key in ssh-agent.",
)
@click.option(
    "--unsigned",
    is_flag=True,
    help="Record the approval without a signature: it counts on the local sandbox only.",
)
@pass_app
def approve(
    app: Application,
    planfile: Path,
    user: str,
    author: str | None,
    out: Path | None,
    key: Path | None,
    unsigned: bool,
):
    """Record a local approval of a saved plan (dual control without a pull request).

    The approval is signed with your SSH key (`ssh-keygen -Y sign`): it covers the plan id and
    the relationships of the plan where you are a user, and counts only where the bank holds
    the key's public line as yours (declared as your `signing_key` and applied by an earlier
    plan).
    """
    if unsigned and key:
        raise click.UsageError(f"give either --key (or ${KEY_VARIABLE}) or --unsigned")
    click.echo(app.approve(planfile, user, author, out, key=key, unsigned=unsigned).text())


@command("apply")
@click.argument("planfile", type=A_FILE)
@click.option(
    "--approvals",
    "approvals_file",
    type=A_FILE,
    help="Evidence from `efctl approve`.",
)
@click.option(
    "--github-reviews",
    "reviews_file",
    type=A_FILE,
    help="Evidence from a pull request: its reviews as GitHub lists them "
    "(`gh api --paginate repos/OWNER/REPO/pulls/N/reviews`).",
)
@click.option(
    "--github-event",
    "event_file",
    type=A_FILE,
    help="The pull_request event ($GITHUB_EVENT_PATH) or the pull request object: "
    "author, head and base.",
)
@click.option(
    "--github-commits",
    "commits_file",
    type=A_FILE,
    help="With --github-reviews: the pull request's commits "
    "(`gh api --paginate repos/OWNER/REPO/pulls/N/commits`); their authors and committers "
    "are makers, never checkers.",
)
@click.option(
    "--github-permissions",
    "permissions_file",
    type=A_FILE,
    help="With --github-reviews: each reviewer's permission on the repository, "
    '{"LOGIN": "write", ...} (`gh api repos/OWNER/REPO/collaborators/LOGIN/permission '
    "--jq .permission`); only admin, maintain and write count. Without it: the reviews' "
    "author_association OWNER, MEMBER or COLLABORATOR.",
)
@click.option("--pr-author", metavar="LOGIN", help="Without --github-event: who opened the PR.")
@click.option("--head-sha", metavar="SHA", help="Without --github-event: the reviewed commit.")
@click.option(
    "--base-ref",
    metavar="REV",
    help="Whose declarations say which login is which user (default: the event's base sha).",
)
@DECLARATIONS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for the pull request (masked).",
)
@click.option("--report", "report_file", type=A_FILE, help="Also write the report as JSON to FILE.")
@click.option(
    "--artifacts",
    type=A_FOLDER,
    help="Where Admin-right forms to sign are written (default: artifacts/ at the root).",
)
@click.option(
    "--secrets-dir",
    type=click.Path(path_type=Path),
    help="Where each new API key's secret is written, one file per key (mode 0600): a "
    "private directory (mode 700, no symbolic link) outside the repository.",
)
@click.option(
    "--secrets-command",
    metavar="CMD",
    help="Run CMD (with /bin/sh -c) for each new API key: the secret on its stdin, "
    "EFCTL_KEY_NAME, EFCTL_CLIENT and EFCTL_KEY_EXPIRES in its environment.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="How long to wait for a relationship another apply is applying (default: "
    f"EFCTL_LOCK_TIMEOUT, else efctl.yaml's lock_timeout, else {DEFAULT_LOCK_TIMEOUT:g}).",
)
@pass_app
def apply(
    app: Application,
    planfile: Path,
    approvals_file: Path | None,
    reviews_file: Path | None,
    event_file: Path | None,
    commits_file: Path | None,
    permissions_file: Path | None,
    pr_author: str | None,
    head_sha: str | None,
    base_ref: str | None,
    paths,
    fmt: str,
    report_file: Path | None,
    artifacts: Path | None,
    secrets_dir: Path | None,
    secrets_command: str | None,
    lock_timeout: float | None,
) -> None:
    """Apply a reviewed plan exactly as reviewed: one order per relationship, or refuse.

    The evidence is either local approvals (--approvals) or a pull request's reviews
    (--github-reviews with --github-event, or with --pr-author, --head-sha and --base-ref):
    only approvals of the head commit count, never the author's nor those of anyone who authored
    or committed a commit of it (--github-commits), only reviewers with write access count
    (--github-permissions), a login is a user only through the `github` logins (and
    `github_id`s) declared at the base, and nobody checks a change that raises their own rights
    (the catalog's dual_control policy). The plan must have been made from the head's
    declarations.

    API keys are requested one by one after the relationship's order, under the same
    verdict: a new key is issued inactive, its secret handed to the secret sink
    (--secrets-dir or --secrets-command; a plan that issues keys is refused without one), and
    only then activated. The secret is never printed, stored or logged by efctl.

    Each relationship is locked at the bank while it is applied: another apply of it waits
    (--lock-timeout), then reports it `locked`, not applied; the lock dies with its process.

    Exit 0 when every relationship with changes was applied (or had been), 1 otherwise.
    """
    github = (event_file, commits_file, permissions_file, pr_author, head_sha, base_ref)
    evidence = _evidence(app, approvals_file, reviews_file, github, paths)
    report = app.apply(
        planfile,
        evidence,
        paths,
        artifacts=artifacts,
        progress=progress("applying"),
        secrets_dir=secrets_dir,
        secrets_command=secrets_command,
        lock_timeout=lock_timeout,
    )
    shown = evidence.annotate(report.as_json())
    as_json = json.dumps(shown, indent=2, ensure_ascii=False) + "\n"
    if report_file:
        write_file(report_file, as_json)
    if fmt == "json":
        click.echo(as_json, nl=False)
    elif fmt == "markdown":
        forms = [app.settings.display(form) for form in report.forms]
        click.echo(apply_markdown(shown, forms, run_url()), nl=False)
    else:
        click.echo(evidence.text(shown), nl=False)
    for form in report.forms:
        click.echo(f"wrote the Admin-right form to sign: {app.settings.display(form)}", err=True)
    if not report.ok:
        sys.exit(EXIT_ERROR)


def _evidence(app: Application, approvals_file, reviews_file, github, paths) -> EvidenceSource:
    event_file, commits_file, permissions_file, pr_author, head_sha, base_ref = github
    if bool(approvals_file) == bool(reviews_file):
        raise click.UsageError("give exactly one of --approvals and --github-reviews")
    if approvals_file and any(github):
        raise click.UsageError(
            "--github-event, --github-commits, --github-permissions, --pr-author, --head-sha "
            "and --base-ref go with --github-reviews"
        )
    if approvals_file:
        return app.local_evidence(approvals_file)
    if not commits_file:
        raise click.UsageError(
            "--github-reviews needs --github-commits: whoever authored or committed a commit "
            "of the pull request is a maker, and the reviews alone do not say who"
        )
    return app.review_evidence(
        reviews_file,
        commits_file,
        event=event_file,
        permissions=permissions_file,
        pr_author=pr_author,
        head_sha=head_sha,
        base_ref=base_ref,
        paths=paths,
    )


COMMANDS = (approve, apply)
