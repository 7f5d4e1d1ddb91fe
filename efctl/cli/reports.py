"""`efctl report` and `efctl documents`: the customer reports as PDF files, and reports ordered at
the bank (processed after a while, then fetched)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from efctl.cli.options import (
    A_FILE,
    CLIENT,
    DECLARATIONS,
    TEXT_OR_JSON,
    CommandGroup,
    emit,
    pass_app,
    progress,
)
from efctl.reports.content import KINDS

if TYPE_CHECKING:
    from efctl.app import Application

LANG = click.option(
    "--lang",
    "language",
    metavar="LANG",
    help="it, de, fr or en (default: the relationship's language).",
)


@click.group("report", cls=CommandGroup)
def report() -> None:
    """The authorisation and deliveries reports as PDF/A-2u, or ordered at the bank."""


def _report_command(kind: str, summary: str):
    @report.command(kind, help=summary)
    @click.option(
        "--client",
        "clients",
        multiple=True,
        metavar="ID",
        help="This relationship (repeatable; default: all at the bank, or those the plan changes).",
    )
    @LANG
    @click.option(
        "--out",
        type=click.Path(path_type=Path),
        help="The folder the PDFs go to (default: reports/ at the repository root).",
    )
    @click.option(
        "--from-plan",
        "planfile",
        type=A_FILE,
        metavar="PLANFILE",
        help="Show the state after this saved plan, with what it changes and (authorisations) "
        "how each right arises.",
    )
    @DECLARATIONS
    @pass_app
    def run(
        app: Application,
        clients: tuple[str, ...],
        language: str | None,
        out: Path | None,
        planfile: Path | None,
        paths,
    ) -> None:
        made = app.report(
            kind,
            clients,
            language=language,
            out=out,
            planfile=planfile,
            paths=paths,
            progress=progress("reports"),
        )
        for written in made.written:
            click.echo(f"wrote {app.settings.display(written.path)}  data {written.digest}")
        if not made.written:
            click.echo("no relationship to report on", err=True)

    return run


AUTHORIZATIONS = _report_command(
    "authorizations",
    """The authorisation report of each relationship: signatories, users with the Admin right,
    every effective authorisation (contract, contract type, profile).

    Named authorizations-CLIENT-LANG.pdf. With --from-plan: the state after the plan, a column
    for how each right arises (all, copy, single, fallback) and one for what the plan changes.
    The as-of moment is SOURCE_DATE_EPOCH when set, else the day (EFCTL_TODAY or today).
    """,
)
DELIVERIES = _report_command(
    "deliveries",
    """The deliveries report of each relationship: every active delivery with kind, contract,
    channel, frequency and full ISO message identifier (camt.053.001.08).

    Deliveries still on an ISO version whose parallel phase has ended carry a note about the
    bank's automatic ISO version change. Named deliveries-CLIENT-LANG.pdf.
    """,
)


@report.command("order")
@click.argument("kind", type=click.Choice(KINDS), metavar="authorizations|deliveries")
@click.option("--client", required=True, metavar="ID", help="The relationship.")
@click.option("--as", "user", required=True, metavar="USER", help="Your e-finance user id.")
@LANG
@pass_app
def report_order(app: Application, kind: str, client: str, user: str, language) -> None:
    """Order a report at the bank, as in its web UI: it appears under `efctl documents` once
    processed (after `document_delay` seconds in the sandbox).

    USER needs the Admin right or a signing right (a signatory of the relationship); otherwise
    the bank refuses (exit 1).
    """
    document = app.order_document(kind, client, user, language)
    click.echo(
        f"ordered {document.id}: {document.kind} of {document.client} in {document.language}, "
        f"by {document.ordered_by}; the bank processes it at {document.due_at}"
    )


@click.group("documents", cls=CommandGroup)
def documents() -> None:
    """Documents ordered at the bank: their state, and the PDF once ready."""


@documents.command("list")
@CLIENT
@TEXT_OR_JSON
@pass_app
def documents_list(app: Application, client: str | None, fmt: str) -> None:
    """The ordered documents, pending or ready (the bank processes those that are due first)."""
    listing = app.documents(client)
    emit(listing.as_json(), fmt, lambda: _documents_text(listing.documents))


@documents.command("get")
@click.argument("document_id", metavar="ID")
@click.option("--out", type=A_FILE, help="Where the PDF goes (default: its name, here).")
@pass_app
def documents_get(app: Application, document_id: str, out: Path | None) -> None:
    """Fetch a ready document's PDF; exit 1 while it is still pending."""
    fetched = app.get_document(document_id, out)
    click.echo(f"wrote {app.settings.display(fetched.path)} ({fetched.size} bytes)")


def _documents_text(listed) -> str:
    if not listed:
        return "no documents ordered\n"
    rows = [("ID", "CLIENT", "KIND", "LANG", "STATUS", "ORDERED BY", "ORDERED", "READY")]
    rows += [
        (
            d.id,
            d.client,
            d.kind,
            d.language,
            d.status,
            d.ordered_by,
            d.ordered_at,
            d.ready_at or "-",
        )
        for d in listed
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in rows
    )


COMMANDS = (report, documents)
