"""`efctl report`: the authorisation and deliveries reports as PDF files, from the bank's state
now or from a saved plan (the state after it), and the bank's document orders.

The as-of moment is never the wall clock: SOURCE_DATE_EPOCH when set (to the second), else the
day efctl judges on (settings.today: EFCTL_TODAY, else today). A report names its relationship's
bank serial, so the same bank state on the same day gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from efctl.app.bankview import BankView
from efctl.app.plan import declarations_digest, digest_name, select
from efctl.config import Settings
from efctl.declarations.convert import normalise_client_id
from efctl.declarations.pipeline import Validation
from efctl.errors import EfctlError
from efctl.files import write_file
from efctl.reports.content import (
    AUTHORIZATIONS,
    KINDS,
    AsOf,
    Report,
    authorization_report,
    deliveries_report,
    file_name,
)
from efctl.reports.texts import all_texts
from efctl.sandbox import DocumentOrder, Store
from reconcile.catalog import Catalog
from reconcile.model import ClientState
from reconcile.plan import ClientPlan, Plan
from reconcile.resolve import ClientResolution, resolve_client

DEFAULT_OUT = "reports"  # under the repository root


@dataclass(frozen=True)
class WrittenReport:
    client: str
    kind: str
    language: str
    path: Path
    digest: str


@dataclass(frozen=True)
class Reports:
    written: tuple[WrittenReport, ...]


def as_of(settings: Settings) -> AsOf:
    """SOURCE_DATE_EPOCH when set, else the start of settings.today (shown as a day)."""
    if settings.source_date is not None:
        return AsOf(settings.source_date, with_time=True)
    return AsOf(datetime.combine(settings.today, time(), UTC), with_time=False)


def report_pdf(report: Report, catalog: Catalog) -> bytes:
    from efctl.reports.customer import report_pdf as render  # fpdf loads slowly: only here

    return render(report, catalog)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise EfctlError(f"there is no report '{kind}'", hint=f"the reports: {', '.join(KINDS)}")
    return kind


def check_language(language: str | None) -> str | None:
    """None (the relationship's language) or a language efctl's documents are written in."""
    languages = list(all_texts())
    if language is not None and language not in languages:
        raise EfctlError(
            f"--lang {language}: efctl's reports are not written in '{language}'",
            hint=f"the report languages: {', '.join(languages)}",
        )
    return language


def build_report(
    kind: str,
    state: ClientState,
    catalog: Catalog,
    language: str,
    moment: AsOf,
    *,
    client_plan: ClientPlan | None = None,
    resolution: ClientResolution | None = None,
    plan_id: str | None = None,
) -> Report:
    changes = client_plan.changes if client_plan is not None else ()
    if kind == AUTHORIZATIONS:
        return authorization_report(
            state, language, moment, changes=changes, resolution=resolution, plan_id=plan_id
        )
    return deliveries_report(state, catalog, language, moment, changes=changes, plan_id=plan_id)


def make_reports(
    kind: str,
    clients: Sequence[str],
    language: str | None,
    out: Path | None,
    bank: BankView,
    catalog: Catalog,
    settings: Settings,
    *,
    plan: Plan | None = None,
    validation: Callable[[], Validation] | None = None,
    progress: Callable[[list], Iterable] = iter,
) -> Reports:
    """One PDF per relationship into ``out`` (default reports/ at the root).

    Relationships: ``clients``, else with a plan those it changes (maybe none), else all at
    the bank. From a
    plan, each report shows the state after the plan's electronic changes and, for the
    authorisation report, how each right arises in the declarations the plan was made from
    (``validation``; refused when they changed since)."""
    check_kind(kind)
    check_language(language)
    folder = _ready_folder(out or settings.root / DEFAULT_OUT)
    wanted = list(dict.fromkeys(normalise_client_id(c) for c in clients))  # once each
    resolutions: dict[str, ClientResolution] = {}
    if plan is None:
        chosen = wanted or bank.list_clients()
        states = [bank.require(client) for client in chosen]
        plans: dict[str, ClientPlan] = {}
    else:
        plans = {client_plan.client: client_plan for client_plan in plan.clients}
        missing = [client for client in wanted if client not in plans]
        if missing:
            raise EfctlError(
                f"--client {', '.join(missing)}: the plan does not cover this relationship",
                hint=f"the plan covers {', '.join(plans) or 'no relationship'}",
            )
        chosen = wanted or [c for c, p in plans.items() if p.changes]
        states = [_planned_state(bank, plans[client]) for client in chosen]
        if kind == AUTHORIZATIONS and validation is not None:
            resolutions = _plan_resolutions(plan, validation(), bank, catalog, settings)
    moment = as_of(settings)
    written = []
    for state in progress(states):
        report = build_report(
            kind,
            state,
            catalog,
            language or state.language,
            moment,
            client_plan=plans.get(state.id),
            resolution=resolutions.get(state.id),
            plan_id=plan.plan_id if plan is not None else None,
        )
        path = folder / file_name(report)
        write_file(path, report_pdf(report, catalog))
        written.append(WrittenReport(state.id, kind, report.language, path, report.digest))
    return Reports(tuple(written))


def _ready_folder(folder: Path) -> Path:
    if folder.exists() and not folder.is_dir():
        raise EfctlError(
            f"--out {folder}: that is a file, not a folder",
            hint="give a folder you may write to (it is created when missing)",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EfctlError(
            f"--out {folder}: cannot write reports there: {exc.strerror or exc}",
            hint="give a folder you may write to (it is created when missing)",
        ) from exc
    return folder


def _planned_state(bank: BankView, client_plan: ClientPlan) -> ClientState:
    """The relationship as the plan found it: refused when the bank moved on since."""
    state = bank.require(client_plan.client)
    if state.serial != client_plan.serial:
        raise EfctlError(
            f"relationship {state.id} changed at the bank since the plan was made "
            f"(serial {client_plan.serial} in the plan, {state.serial} now): the state after "
            "the plan cannot be shown",
            hint="plan again and make the report from the new plan",
        )
    return state


def _plan_resolutions(
    plan: Plan,
    validation: Validation,
    bank: BankView,
    catalog: Catalog,
    settings: Settings,
) -> dict[str, ClientResolution]:
    """Each planned relationship's resolution, from the declarations the plan was made from."""
    if validation.errors:
        raise EfctlError(
            "the declarations have errors, so the report cannot say how each right arises",
            hint="`efctl validate` lists them",
        )
    planned = {client.client for client in plan.clients}  # none: select() would take all
    selected = [c for c in select(validation, sorted(planned)) if c.spec.id in planned]
    digest = declarations_digest(
        {digest_name(settings.root, c): c.document.content for c in selected}
    )
    if digest != plan.inputs_digest:
        raise EfctlError(
            "the declarations changed since the plan was made, so the report cannot say how "
            "each right of the plan arises",
            hint="make the report where the plan was made (the same declarations), or plan again",
        )
    resolutions = {}
    for loaded in selected:
        state = bank.read_client(loaded.spec.id)
        resolutions[loaded.spec.id] = loaded.resolution or resolve_client(
            loaded.spec, state.contracts if state else (), catalog
        )
    return resolutions


# --- documents ordered at the bank (DOMAIN.md section 7) --------------------------------------


@dataclass(frozen=True)
class DocumentListing:
    client: str | None
    documents: tuple[DocumentOrder, ...]

    def as_json(self) -> list[dict]:
        return [document.as_json() for document in self.documents]


@dataclass(frozen=True)
class FetchedDocument:
    document: DocumentOrder
    path: Path
    size: int


def order_document(
    bank: Store,
    kind: str,
    client: str,
    user: str,
    language: str | None,
    settings: Settings,
) -> DocumentOrder:
    """The bank takes the order (or refuses it: neither Admin right nor signatory)."""
    check_kind(kind)
    check_language(language)
    client = normalise_client_id(client)
    state = BankView(lambda: bank).require(client)
    return bank.order_document(
        client, kind, language or state.language, user, delay=settings.document_delay
    )


def process_due_documents(bank: Store, catalog: Catalog) -> list[str]:
    """The bank's processing: each due order rendered from the relationship's state, as of the
    moment it was due, and stored with the order; the ids delivered."""
    delivered = []
    for document in bank.due_documents():
        state = bank.read_client(document.client)
        if state is None:  # the relationship is gone: nothing to report on
            continue
        moment = AsOf(datetime.fromisoformat(document.due_at), with_time=True)
        report = build_report(document.kind, state, catalog, document.language, moment)
        if bank.deliver_document(document.id, report_pdf(report, catalog)):
            delivered.append(document.id)
    return delivered


def list_documents(bank: Store, catalog: Catalog, client: str | None) -> DocumentListing:
    process_due_documents(bank, catalog)
    if client is not None:
        client = normalise_client_id(client)
        BankView(lambda: bank).require(client)
    return DocumentListing(client, tuple(bank.documents(client)))


def fetch_document(
    bank: Store, catalog: Catalog, document_id: str, out: Path | None
) -> FetchedDocument:
    """The ready document's PDF written to ``out`` (default: its file name, here)."""
    process_due_documents(bank, catalog)
    found = bank.document(document_id)
    if found is None:
        known = ", ".join(d.id for d in bank.documents()) or "none"
        raise EfctlError(
            f"there is no document {document_id} at the bank", hint=f"documents: {known}"
        )
    document, content = found
    if content is None:
        raise EfctlError(
            f"document {document_id} is not ready yet: the bank processes it at {document.due_at}",
            hint="fetch it again after that; `efctl documents list` shows its state",
        )
    path = out or Path(document.filename)
    write_file(path, content)
    return FetchedDocument(document, path, len(content))


__all__ = [
    "DocumentListing",
    "FetchedDocument",
    "Reports",
    "WrittenReport",
    "as_of",
    "fetch_document",
    "list_documents",
    "make_reports",
    "order_document",
]
