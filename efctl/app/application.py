"""The application: one object whose methods are efctl's commands (imported as efctl.app).

The CLI parses, calls one method of :class:`Application`, renders the typed result and maps it
to an exit code (sqlite-utils' shape). Each command family lives in a module of this package
named like its command (plan, apply, imports, orders, audit, sandbox, validate); those modules
take typed parts (settings, catalog, bank), never the application itself.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from efctl.app.adopt import Adoptions, adopt_clients
from efctl.app.apply import (
    ApplyReport,
    Approved,
    EvidenceSource,
    LocalEvidence,
    apply_plan,
    approve,
)
from efctl.app.audit import (
    AuditListing,
    ChainCheck,
    Export,
    audit_entries,
    require_hash_form,
    verify_bank,
    verify_file,
)
from efctl.app.audit import export as export_chain
from efctl.app.bankview import BankView
from efctl.app.changed import changed_since as changed_since_ref
from efctl.app.deliveries import DeliveryListing, list_deliveries
from efctl.app.expire import Expired, expire
from efctl.app.imports import Imported, import_client
from efctl.app.keys import KeyListing, list_keys, make_sink
from efctl.app.notices import Notified
from efctl.app.orders import OrderApproval, OrderListing, approve_order, pending_orders
from efctl.app.plan import WHOLE, Plan, Selection, make_plan
from efctl.app.planfile import read_plan
from efctl.app.reports import (
    DocumentListing,
    FetchedDocument,
    Reports,
    fetch_document,
    list_documents,
    make_reports,
    order_document,
)
from efctl.app.sandbox import (
    Seeded,
    Ticked,
    open_bank,
    parse_day,
    seed_bank,
    tick,
    tick_on_open,
)
from efctl.app.shards import Shard, merge_shards, whole_plan
from efctl.app.validate import Explanation, explain, validate
from efctl.catalog import load_catalog
from efctl.config import Settings
from efctl.declarations.pipeline import Validation
from efctl.errors import InvalidDeclarations
from efctl.sandbox import DocumentOrder, Store, StoreStatus
from reconcile.catalog import Catalog

if TYPE_CHECKING:
    from efctl.app.github import GithubIds, ReviewEvidence


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@contextmanager
def bulk() -> Iterator[None]:
    """Python's cycle collector paused while a command builds its many small objects.

    A plan of a large fleet makes millions of frozen records and no reference cycles; the
    collector's full passes over them took 40 % of a plan's time (bench/run.py, size L).
    Memory is freed by reference counting as before; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Application:
    """efctl's commands over one repository's settings, its catalog and its bank.

    The bank is opened on first use only, so that commands that need no bank (``show``,
    offline validation, ``audit verify --file``) never touch or create one.
    """

    def __init__(self, settings: Settings, notify: Callable[[str], None] = _stderr):
        self.settings = settings
        self.notify = notify

    @cached_property
    def catalog(self) -> Catalog:
        path = self.settings.catalog
        catalog = load_catalog(path, self.settings.display(path) if path else None)
        if self.settings.rotate_before_days is not None:
            catalog = dataclasses.replace(
                catalog, rotate_before_days=self.settings.rotate_before_days
            )
        return catalog

    @cached_property
    def bank(self) -> Store:
        """The bank, which makes its automatic ISO version change when opened after the
        parallel phase (see :meth:`sandbox_tick`)."""
        store = open_bank(self.settings, self.notify)
        try:
            tick_on_open(store, self.catalog, self.settings.today, self.notify)
        except BaseException:
            store.close()
            raise
        return store

    def _view(self) -> BankView:
        """A fresh per-command view of the bank, which opens the bank only when it reads."""
        return BankView(lambda: self.bank)

    def close(self) -> None:
        if "bank" in self.__dict__:
            self.bank.close()

    # --- declarations -------------------------------------------------------------------

    def validate(self, paths: Sequence[Path] = (), *, offline: bool = False) -> Validation:
        view = None if offline else self._view()
        return validate(self._paths(paths), self.settings, self.catalog, view)

    def explain(self, client: str, user: str, paths: Sequence[Path] = ()) -> Explanation:
        view = self._view()
        checked = validate(self._paths(paths), self.settings, self.catalog, view)
        return explain(checked, client, user, view, self.catalog, self.settings.today)

    def expire(
        self, clients: Sequence[str] = (), paths: Sequence[Path] = (), *, write: bool = False
    ) -> Expired:
        """The entries whose until has come; with ``write`` deleted from their files."""
        checked = validate(self._paths(paths), self.settings, self.catalog, None)
        return expire(checked, clients, self.settings.today, write=write)

    def adopt(
        self, clients: Sequence[str] = (), paths: Sequence[Path] = (), *, out: Path | None = None
    ) -> Adoptions:
        """The bank-side changes of CLIENTS taken into their declarations (or into ``out``)."""
        view = self._view()
        checked = validate(self._paths(paths), self.settings, self.catalog, view)
        return adopt_clients(
            checked, clients, view, self.bank, self.catalog, self.settings.today, out,
            display=self.settings.display,
        )  # fmt: skip

    # --- plans --------------------------------------------------------------------------

    def plan(
        self,
        paths: Sequence[Path] = (),
        clients: Sequence[str] = (),
        *,
        allow_mass_removal: bool = False,
        changed_since: str | None = None,
        shard: str | None = None,
        jobs: int = 1,
    ) -> Plan:
        """The plan of the declarations (``clients``: only these relationships), with
        ``changed_since`` of those whose files differ from that git revision, with ``shard``
        ("K/N") of a stable share of them; files parsed in ``jobs`` processes (0: every core)."""
        root, catalog = self.settings.root, self.settings.catalog
        selection = Selection(
            None if changed_since is None else changed_since_ref(root, changed_since, catalog),
            None if shard is None else Shard.parse(shard),
        )
        return self._plan(self._view(), paths, clients, allow_mass_removal, selection, jobs)

    def _plan(
        self,
        view: BankView,
        paths,
        clients,
        allow_mass_removal: bool,
        selection: Selection = WHOLE,
        jobs: int = 1,
    ) -> Plan:
        with bulk():
            checked = validate(
                self._paths(paths), self.settings, self.catalog, view,
                jobs=jobs, bank_files=selection.bank_files(),
            )  # fmt: skip
            return make_plan(
                checked,
                clients,
                view,
                self.catalog,
                self.settings.root,
                allow_mass_removal=allow_mass_removal,
                today=self.settings.today,
                selection=selection,
            )

    def show(self, planfiles: Sequence[Path]) -> Plan:
        """The saved plan, or the shard plans of one run merged into the plan they make up."""
        plans = [(path, read_plan(path)) for path in planfiles]
        return plans[0][1] if len(plans) == 1 else merge_shards(plans)

    def approve(
        self,
        planfile: Path,
        user: str,
        author: str | None,
        out: Path | None = None,
        *,
        key: Path | None = None,
        unsigned: bool = False,
    ) -> Approved:
        """USER's approval, signed with KEY; unsigned ones on the local sandbox only."""
        return approve(
            planfile, user, author, out, self._view(),
            key=key, unsigned=unsigned, local=self.local,
        )  # fmt: skip

    @property
    def local(self) -> bool:
        """Whether the bank is the local sandbox (a SQLite file), where unsigned approvals count."""
        return self.settings.backend.startswith("sqlite:///")

    def local_evidence(self, approvals: Path) -> LocalEvidence:
        """The evidence of an approvals file, checked against the signing keys the bank holds."""
        return LocalEvidence(
            approvals,
            local=self.local,
            no_checker_for_own_raise=self.catalog.no_checker_for_own_raise,
        )

    def review_evidence(
        self,
        reviews: Path,
        commits: Path,
        *,
        event: Path | None,
        permissions: Path | None,
        pr_author: str | None,
        head_sha: str | None,
        base_ref: str | None,
        paths: Sequence[Path] = (),
    ) -> ReviewEvidence:
        """The evidence of a pull request: its reviews, commits and reviewers' access as GitHub
        lists them, judged against the declarations at the reviewed head."""
        from efctl.app import github  # the GitHub code loads only where it is used

        return github.ReviewEvidence(
            self.settings.root,
            self._paths(paths),
            github.pull_request(event, pr_author, head_sha, base_ref),
            github.read_reviews(reviews),
            makers=github.read_commits(commits),
            access=github.read_permissions(permissions),
            no_checker_for_own_raise=self.catalog.no_checker_for_own_raise,
        )

    def github_ids(self, paths: Sequence[Path] = (), *, write: bool = False) -> GithubIds:
        """Each declared login's GitHub id now, checked against the declared ``github_id``;
        with ``write`` the missing ones are added to the files."""
        from efctl.app.github import github_ids

        validation = self.validate(paths, offline=True)
        if validation.errors:
            raise InvalidDeclarations(validation)
        return github_ids(validation.clients, write=write)

    def apply(
        self,
        planfile: Path,
        evidence: EvidenceSource,
        paths: Sequence[Path] = (),
        *,
        artifacts: Path | None = None,
        progress: Callable[[list], Iterable] = iter,
        secrets_dir: Path | None = None,
        secrets_command: str | None = None,
        lock_timeout: float | None = None,
    ) -> ApplyReport:
        """Apply the saved plan exactly as reviewed; forms to sign go to ``artifacts``, new API
        keys' secrets to the sink (``secrets_dir`` or ``secrets_command``); a relationship
        another apply holds is waited for ``lock_timeout`` seconds (default: the settings')."""
        sink = make_sink(secrets_dir, secrets_command, self.settings.root)
        view = self._view()
        reviewed = whole_plan(planfile, read_plan(planfile))
        ids = [c.client for c in reviewed.clients]
        fresh = self._plan(
            view, paths, ids, reviewed.options["allow_mass_removal"],
            Selection(reviewed=frozenset(ids)),
        )  # fmt: skip
        return apply_plan(
            reviewed,
            fresh,
            evidence,
            view,
            self.catalog,
            self.settings,
            artifacts=artifacts or self.settings.root / "artifacts",
            progress=progress,
            sink=sink,
            lock_timeout=lock_timeout,
            waiting=lambda line: self.notify(f"efctl: {line}"),
        )

    # --- the bank's side ----------------------------------------------------------------

    def import_client(
        self, client: str, out: Path | None = None, *, github_ids: bool = False
    ) -> Imported:
        """CLIENT's declaration from the bank; with ``github_ids`` each login's GitHub id."""
        from efctl.app.github import gh_user_id  # the GitHub code loads only where it is used

        lookup = gh_user_id if github_ids else None
        return import_client(
            client, self._view(), self.catalog, self.settings, out=out, lookup=lookup
        )

    def orders(self, client: str | None = None) -> OrderListing:
        return pending_orders(self._view(), client)

    def approve_order(self, order_id: str, user: str) -> OrderApproval:
        return approve_order(self.bank, order_id, user)

    def audit_entries(self, client: str | None = None) -> AuditListing:
        return audit_entries(self.bank, client)

    def audit_verify(self, export: Path | None, expect_hash: str | None) -> ChainCheck:
        require_hash_form(expect_hash)  # a mistyped hash is refused before the bank is opened
        if export is not None:
            return verify_file(export, expect_hash)
        return verify_bank(self.bank, expect_hash)

    def audit_export(self, out: Path | None) -> Export:
        return export_chain(self.bank, out)

    # --- reports and documents ------------------------------------------------------------

    def report(
        self,
        kind: str,
        clients: Sequence[str] = (),
        *,
        language: str | None = None,
        out: Path | None = None,
        planfile: Path | None = None,
        paths: Sequence[Path] = (),
        progress: Callable[[list], Iterable] = iter,
    ) -> Reports:
        """The report of each relationship as a PDF file, from the bank or from a saved plan."""
        view = self._view()
        plan = read_plan(planfile) if planfile is not None else None
        return make_reports(
            kind, clients, language, out, view, self.catalog, self.settings,
            plan=plan,
            validation=lambda: validate(self._paths(paths), self.settings, self.catalog, view),
            progress=progress,
        )  # fmt: skip

    def order_document(
        self, kind: str, client: str, user: str, language: str | None = None
    ) -> DocumentOrder:
        return order_document(self.bank, kind, client, user, language, self.settings)

    def documents(self, client: str | None = None) -> DocumentListing:
        return list_documents(self.bank, self.catalog, client)

    def get_document(self, document_id: str, out: Path | None = None) -> FetchedDocument:
        return fetch_document(self.bank, self.catalog, document_id, out)

    def sandbox_init(self, seed: Path | None = None) -> Seeded:
        with bulk():
            return seed_bank(self.settings, seed, Store.init)

    def sandbox_reset(self, seed: Path | None = None) -> Seeded:
        with bulk():
            return seed_bank(self.settings, seed, Store.reset)

    def sandbox_status(self) -> StoreStatus:
        return self.bank.status()

    def sandbox_tick(self, today: str | date | None = None) -> Ticked:
        """The bank's automatic ISO version change as of ``today`` (default: the settings'
        today); the bank is opened without its own switch on opening, so that the day given
        here is the day it is made on."""
        day = parse_day(today, "--today") if isinstance(today, str) else today
        day = day or self.settings.today
        catalog = self.catalog  # a broken catalog is reported before the bank is opened
        with open_bank(self.settings, self.notify) as store:
            return tick(store, catalog, day)

    def keys(self, clients: Sequence[str] = (), within: int = 30) -> KeyListing:
        """The bank's API keys with their days left; ``expiring`` those within WITHIN days."""
        return list_keys(self._view(), self.settings.today, within, clients)

    def sandbox_notify(self, today: str | date | None = None) -> Notified:
        """Send the API key expiry notices due on ``today`` (default: the settings' today)."""
        from efctl.app.notices import send_notices  # smtplib and jinja2 only where used

        day = parse_day(today, "--today") if isinstance(today, str) else today
        day = day or self.settings.today
        return send_notices(self.bank, day, self.settings.smtp_url)

    def deliveries(self, client: str | None = None) -> DeliveryListing:
        return list_deliveries(self._view(), self.catalog, self.settings.today, client)

    def _paths(self, paths: Sequence[Path]) -> list[Path]:
        return list(paths) or list(self.settings.clients)


__all__ = ["Application", "bulk"]
