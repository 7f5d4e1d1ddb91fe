"""Pull-request reviews as the evidence of `efctl apply`: the files, the git revisions, the report.

The decisions are reconcile.reviews' and reconcile.dualcontrol's. This module reads what GitHub
gives a workflow (the reviews list, the pull_request event), reads declarations at two commits
through git (the base, whose ``github`` logins say who is who, and the reviewed head, whose
digest must be the plan's), and names in the refusal who could still approve.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from efctl.app.apply import EvidenceFor
from efctl.app.bankview import BankView
from efctl.app.plan import declarations_digest
from efctl.declarations.convert import normalise_client_id, to_client_spec
from efctl.declarations.loader import LoadedDocument, parse_document
from efctl.declarations.pipeline import YAML_SUFFIXES, LoadedClient
from efctl.declarations.schema import load_schema, schema_diagnostics
from efctl.errors import EfctlError
from efctl.files import write_file
from efctl.render.apply import apply_text
from reconcile.apply import Outcome
from reconcile.backend import GITHUB_PREFIX
from reconcile.dualcontrol import Evidence, Verdict, admins_of, judge, raised_rights
from reconcile.model import ClientSpec, ClientState
from reconcile.plan import Plan
from reconcile.reviews import (
    DECIDING,
    ClientEvidence,
    Makers,
    Person,
    PullRequest,
    Review,
    ReviewState,
    WriteAccess,
    client_evidence,
    eligible_logins,
    is_commit_sha,
    refusal,
    short,
    standing_approvals,
)

GIT_TIMEOUT = 60  # seconds for one git command; reading a tree takes well under one
REGULAR_FILES = ("100644", "100755")  # ls-tree modes of files (not links, not submodules)


# --- the files GitHub gives a workflow --------------------------------------------------


def read_reviews(path: Path) -> tuple[Review, ...]:
    """The reviews in PATH: the answer of GitHub's "List reviews for a pull request".

    Also what `gh api --paginate` writes (one array per page, back to back) and `--slurp` (an
    array of pages): a review on a later page can revoke an approval, so every page counts.
    """
    values = _json_values(path, "a GitHub review list")
    if len(values) == 1 and values[0] and all(isinstance(page, list) for page in values[0]):
        values = values[0]  # --slurp: an array of pages
    if not all(isinstance(page, list) for page in values):
        raise EfctlError(
            f"{path}: not a GitHub review list: expected an array of reviews",
            hint="write it with `gh api --paginate repos/OWNER/REPO/pulls/N/reviews`",
        )
    items = [item for page in values for item in page]
    return tuple(_review(path, index, item) for index, item in enumerate(items))


def _review(path: Path, index: int, item: Any) -> Review:
    def problem(what: str) -> EfctlError:
        return EfctlError(f"{path}: not a GitHub review list: review [{index}]: {what}")

    if not isinstance(item, dict):
        raise problem("not an object")
    review_id, user, state = item.get("id"), item.get("user"), item.get("state")
    if not isinstance(review_id, int) or isinstance(review_id, bool):
        raise problem("'id' is not a number")
    if user is not None and not (isinstance(user, dict) and isinstance(user.get("login"), str)):
        raise problem("'user' has no 'login'")
    account = user.get("id") if user else None
    if account is not None and (not isinstance(account, int) or isinstance(account, bool)):
        raise problem("'user.id' is not a number")
    association = item.get("author_association")
    if association is not None and not isinstance(association, str):
        raise problem("'author_association' is not a string")
    if not isinstance(state, str) or state.upper() not in tuple(ReviewState):
        raise problem(f"'state' is {state!r}, not one of {', '.join(ReviewState)}")
    commit = item.get("commit_id")
    if commit is not None and not isinstance(commit, str):
        raise problem("'commit_id' is not a string")
    submitted = item.get("submitted_at")
    if submitted is None and state.upper() in DECIDING:
        raise problem(f"the {state.upper()} review has no 'submitted_at'")
    return Review(
        id=review_id,
        login=user["login"] if user else None,
        state=ReviewState(state.upper()),
        commit=commit.lower() if commit else None,
        submitted_at=None if submitted is None else _timestamp(submitted, problem),
        user_id=account,
        association=association.upper() if association else None,
    )


def _timestamp(value: Any, problem) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise problem(f"'submitted_at' {value!r} is not an ISO 8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_pull_request(path: Path) -> PullRequest:
    """The pull request in PATH: a pull_request event payload, or the pull request object itself.

    ``base`` is the base commit; a pull request closed without merging is refused.
    """
    values = _json_values(path, "a pull request")
    found = values[0] if len(values) == 1 else None
    if isinstance(found, dict) and isinstance(found.get("pull_request"), dict):
        found = found["pull_request"]  # the event payload
    if not isinstance(found, dict):
        raise EfctlError(f"{path}: not a pull request: expected a JSON object")

    def text(*keys: str) -> str:
        value: Any = found
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value:
            raise EfctlError(f"{path}: not a pull request: no '{'.'.join(keys)}'")
        return value

    number, author_id = found.get("number"), found["user"].get("id")
    pull = PullRequest(
        author=text("user", "login"),
        head=full_sha(text("head", "sha"), f"{path}: head.sha"),
        base=text("base", "sha"),
        number=number if isinstance(number, int) else None,
        author_id=author_id if _is_number(author_id) else None,
    )
    if found.get("state") == "closed" and found.get("merged") is False:
        raise EfctlError(
            f"{path}: {_named(pull)} was closed without being merged; nothing is applied"
        )
    return pull


def read_commits(path: Path) -> Makers:
    """The makers in PATH: the answer of GitHub's "List commits on a pull request" (every page,
    as `gh api --paginate` or `--slurp` writes it): each commit's author and committer account.

    A commit GitHub could not tie to an account (``author``/``committer`` null) names nobody.
    """
    values = _json_values(path, "a GitHub commit list")
    if len(values) == 1 and values[0] and all(isinstance(page, list) for page in values[0]):
        values = values[0]
    if not all(isinstance(page, list) for page in values):
        raise EfctlError(
            f"{path}: not a GitHub commit list: expected an array of commits",
            hint="write it with `gh api --paginate repos/OWNER/REPO/pulls/N/commits`",
        )
    people: dict[tuple[str, int | None], Person] = {}
    for index, item in enumerate(item for page in values for item in page):
        if not isinstance(item, dict) or not isinstance(item.get("sha"), str):
            raise EfctlError(f"{path}: not a GitHub commit list: commit [{index}] has no 'sha'")
        for role in ("author", "committer"):
            account = item.get(role)
            if account is None:
                continue
            login = account.get("login") if isinstance(account, dict) else None
            if not isinstance(login, str) or not login:
                raise EfctlError(
                    f"{path}: not a GitHub commit list: commit [{index}]: '{role}' has no 'login'"
                )
            found = account.get("id")
            person = Person(login, found if _is_number(found) else None)
            people.setdefault((login.casefold(), person.id), person)
    return Makers(tuple(people.values()))


def read_permissions(path: Path | None) -> WriteAccess:
    """Each reviewer's permission on the repository in PATH: a JSON object of login -> the
    ``permission`` of GitHub's "Get repository permissions for a user" (admin, write, read,
    none: a custom role as its base), or that whole answer. Without PATH: write access as the
    reviews' author_association says."""
    if path is None:
        return WriteAccess()
    values = _json_values(path, "a permissions file")
    found = values[0] if len(values) == 1 else None
    if not isinstance(found, dict):
        raise EfctlError(
            f"{path}: not a permissions file: expected a JSON object of login -> permission",
            hint='e.g. {"bruno-k": "write"}, from '
            "`gh api repos/OWNER/REPO/collaborators/LOGIN/permission --jq .permission`",
        )
    permissions = {}
    for login, value in found.items():
        if isinstance(value, dict):
            value = value.get("permission") or value.get("role_name")
        if not isinstance(value, str):
            raise EfctlError(f"{path}: not a permissions file: {login!r} has no permission")
        permissions[login] = value.lower()
    return WriteAccess(permissions)


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def pull_request(
    event: Path | None, author: str | None, head: str | None, base: str | None
) -> PullRequest:
    """The pull request from --github-event (--base-ref may name another base), or from
    --pr-author, --head-sha and --base-ref."""
    if event is not None:
        if author or head:
            raise EfctlError(
                "--github-event names the author and the head; --pr-author and --head-sha "
                "cannot be given with it"
            )
        found = read_pull_request(event)
        return replace(found, base=base) if base else found
    if not (author and head):
        raise EfctlError(
            "--github-reviews needs --github-event, or --pr-author and --head-sha",
            hint='in a workflow: --github-event "$GITHUB_EVENT_PATH"',
        )
    if not base:
        raise EfctlError(
            "--base-ref is needed without --github-event",
            hint="the revision the pull request was opened against: its base sha or origin/main",
        )
    return PullRequest(author=author, head=full_sha(head, "--head-sha"), base=base)


def full_sha(value: str, source: str) -> str:
    if not is_commit_sha(value.lower()):
        raise EfctlError(
            f"{source}: {value!r} is not a full commit sha",
            hint="reviews name the full 40-digit commit; pass the pull request's head.sha",
        )
    return value.lower()


def _json_values(path: Path, what: str) -> list[Any]:
    """Every JSON value in the file, back to back (one, or one per page of `gh --paginate`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise EfctlError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EfctlError(f"{path}: cannot read {what}: {exc}") from exc
    decoder, values, at = json.JSONDecoder(), [], 0
    try:
        while (at := _skip_space(text, at)) < len(text):
            value, at = decoder.raw_decode(text, at)
            values.append(value)
    except json.JSONDecodeError as exc:
        raise EfctlError(f"{path}: not {what}: invalid JSON: {exc}") from exc
    if not values:
        raise EfctlError(f"{path}: not {what}: the file is empty")
    return values


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


# --- declarations at a commit ------------------------------------------------------------


def commit_of(root: Path, revision: str, role: str) -> str:
    """The full sha of REVISION in the repository at ROOT; ``role`` names it in errors."""
    try:
        return _git(root, "rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}")
    except _GitFailed as exc:
        raise EfctlError(
            f"{role} {revision} is not a commit of the git repository at {root}: {exc}",
            hint="fetch it first (with actions/checkout: fetch-depth: 0)",
        ) from exc


def declaration_files(root: Path, commit: str, paths: Sequence[Path]) -> dict[str, bytes]:
    """The YAML files under PATHS in COMMIT's tree, by path relative to ROOT, with their bytes.

    The same paths and bytes as the working tree gives `efctl plan` when COMMIT is checked out.
    """
    pathspecs = [_relative(root, path) for path in paths]
    listing = _git(root, "ls-tree", "-r", "-z", commit, "--", *pathspecs, text=False)
    files: dict[str, str] = {}
    for entry in filter(None, listing.split(b"\0")):
        meta, _, name = entry.decode("utf-8", "surrogateescape").partition("\t")
        mode, kind, blob = meta.split()
        if kind == "blob" and mode in REGULAR_FILES and PurePosixPath(name).suffix in YAML_SUFFIXES:
            files[name] = blob
    return dict(zip(files, _blobs(root, list(files.values())), strict=True))


def declared_clients(contents: Mapping[str, bytes], revision: str) -> dict[str, ClientSpec]:
    """The relationships validly declared in these files, by id; the first file of an id wins.

    Only the people matter here (who is which login), so the packaged schema without the
    catalog is enough to trust the conversion.
    """
    schema = load_schema("client")
    clients: dict[str, ClientSpec] = {}
    for path in sorted(contents):
        document = parse_document(contents[path], f"{short(revision)}:{path}")
        if document.diagnostics or schema_diagnostics(document, schema):
            continue
        spec = to_client_spec(document.data)
        clients.setdefault(spec.id, spec)
    return clients


def plan_digest_at(contents: Mapping[str, bytes], clients: set[str]) -> str:
    """The inputs digest `efctl plan` gives for these relationships from these files."""
    return declarations_digest(
        {path: data for path, data in contents.items() if _client_id(data, path) in clients}
    )


def _client_id(data: bytes, path: str) -> str | None:
    document = parse_document(data, path).data
    client = document.get("client") if isinstance(document, dict) else None
    found = client.get("id") if isinstance(client, dict) else None
    return normalise_client_id(found) if isinstance(found, str) else None


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise EfctlError(f"{path} is outside the repository at {root}") from exc


def _blobs(root: Path, blobs: list[str]) -> list[bytes]:
    """The bytes of each blob, read through one `git cat-file --batch`."""
    if not blobs:
        return []
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blobs), text=False)
    contents, at = [], 0
    for blob in blobs:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if header[1:2] != [b"blob"]:
            raise EfctlError(f"git cannot read the blob {blob}: {out[at:end].decode()}")
        size = int(header[2])
        contents.append(out[end + 1 : end + 1 + size])
        at = end + 1 + size + 1
    return contents


class _GitFailed(Exception):
    """git ran and refused; the message is the last line of its complaint (the fatal one)."""


def _git(root: Path, *args: str, stdin: str | None = None, text: bool = True) -> Any:
    command = ["git", "--literal-pathspecs", "-C", str(root), *args]
    try:
        done = subprocess.run(
            command,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise EfctlError("git is not installed; reviewed commits are read through git") from exc
    except subprocess.TimeoutExpired as exc:
        raise EfctlError(f"`git {args[0]}` took longer than {GIT_TIMEOUT} s") from exc
    if done.returncode != 0:
        complaint = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(complaint[-1] if complaint else f"git {args[0]} failed")
    return done.stdout.decode().strip() if text else done.stdout


# --- the evidence for apply, and the refusal ---------------------------------------------


class ReviewEvidence:
    """Evidence from a pull request's reviews, the evidence source of efctl.app.apply.apply.

    Called with the plan, it first proves that the plan was made from the reviewed head's
    declarations (else nothing is applied), then judges the reviews once; per relationship it
    maps logins through the base's declarations. It keeps what it found per relationship, so
    that the report can name in logins who could still approve and which reviews did not count.
    """

    def __init__(
        self,
        root: Path,
        paths: Sequence[Path],
        pull: PullRequest,
        reviews: Sequence[Review],
        *,
        makers: Makers,
        access: WriteAccess,
        no_checker_for_own_raise: bool = True,
    ):
        self.root = root
        self.paths = list(paths)  # where the declarations are, in the repository at ROOT
        self.pull = pull
        self.reviews = tuple(reviews)
        self.makers = makers  # who authored or committed the pull request's commits
        self.access = access  # who has write access to the repository
        self.no_checker_for_own_raise = no_checker_for_own_raise  # the catalog's policy
        self.found: dict[str, tuple[ClientEvidence, Verdict]] = {}

    def __call__(self, plan: Plan, bank: BankView) -> EvidenceFor:
        """Refuse a plan not made from the reviewed head; then judge each relationship."""
        root = self.root
        head = commit_of(root, self.pull.head, "the reviewed head")
        base = commit_of(root, self.pull.base, "the base")
        at_head = declaration_files(root, head, self.paths)
        if plan_digest_at(at_head, {c.client for c in plan.clients}) != plan.inputs_digest:
            raise EfctlError(
                "the plan was made from declarations that differ from the reviewed head "
                f"{self.pull.head}; nothing was applied",
                hint="make the plan from the pull request's head commit and have that reviewed",
            )
        declarations = declared_clients(declaration_files(root, base, self.paths), base)
        approvals = standing_approvals(
            self.reviews,
            self.pull.head,
            self.pull.author,
            access=self.access,
            makers=self.makers,
            author_id=self.pull.author_id,
        )

        def for_client(plan: Plan, state: ClientState | None) -> Evidence:
            if state is None:  # unknown at the bank: no admins, nobody to map
                return Evidence(plan.plan_id, head, GITHUB_PREFIX + self.pull.author, ())
            client_plan = plan.client(state.id)
            raised = (
                raised_rights(client_plan.changes)
                if self.no_checker_for_own_raise and client_plan is not None
                else {}
            )
            found = client_evidence(
                plan.plan_id, self.pull, approvals, state.id, declarations.get(state.id), raised
            )
            tier = client_plan.approval.tier if client_plan is not None else None
            users = tuple(user.id for user in state.users)
            verdict = judge(found.evidence, admins_of(state), tier, users)
            self.found[state.id] = (found, verdict)
            return found.evidence

        return for_client

    def annotate(self, report: dict) -> dict:
        """The apply report (ApplyReport.as_json) with the eligible named by GitHub login, and
        per relationship the reviews that did not count there."""
        results = []
        for result in report["results"]:
            found, _ = self.found.get(result["client"], (None, None))
            logins = found.logins if found else {}
            results.append(
                {
                    **result,
                    "eligible": list(
                        eligible_logins(
                            found.eligible(result["eligible"]) if found else result["eligible"],
                            logins,
                        )
                    ),
                    "ignored_reviews": [i.to_json() for i in found.ignored] if found else [],
                }
            )
        return {**report, "results": results}

    def text(self, annotated: dict) -> str:
        """The report, with the eligible named once, by login, in the block of what waits."""
        plain = {**annotated, "results": [{**r, "eligible": []} for r in annotated["results"]]}
        return apply_text(plain) + self.pending_text(annotated)

    def pending_text(self, annotated: dict) -> str:
        """Per relationship waiting for approval: what is missing, who could give it, and why
        the reviews given did not count; empty when none waits. Takes ``annotate``'s report."""
        waiting = [r for r in annotated["results"] if r["outcome"] == Outcome.NEEDS_APPROVAL]
        if not waiting:
            return ""
        lines = [
            f"Not applied: {_named(self.pull)} lacks approvals of its head "
            f"{short(self.pull.head)} for {len(waiting)} relationship(s):"
        ]
        for result in waiting:
            _, verdict = self.found[result["client"]]
            lines.append("  " + refusal(result["client"], verdict.missing, result["eligible"]))
            lines.extend(f"      not counted: {i['detail']}" for i in result["ignored_reviews"])
        return "\n".join(lines) + "\n"


def _named(pull: PullRequest) -> str:
    return f"pull request #{pull.number}" if pull.number is not None else "the pull request"


# --- the GitHub ids of the declared logins (`efctl github-ids`) --------------------------

GH_TIMEOUT = 30  # seconds for one `gh api users/LOGIN`


@dataclass(frozen=True)
class DeclaredLogin:
    """One user's ``github`` login, where it is declared, and what GitHub says of it."""

    client: str
    user: str
    login: str
    declared: int | None  # the declared github_id
    current: int | None  # GitHub's id of the login now; None: no such account
    document: LoadedDocument
    index: int  # the user's position in the document's users

    @property
    def status(self) -> str:
        if self.current is None:
            return "unknown"
        if self.declared is None:
            return "missing"
        return "ok" if self.declared == self.current else "mismatch"

    def text(self) -> str:
        where = f"{self.document.path}: {self.client}/{self.user} ({self.login})"
        match self.status:
            case "ok":
                return f"{where}: github_id {self.declared}"
            case "missing":
                return f"{where}: no github_id; GitHub's id of the login is {self.current}"
            case "mismatch":
                return (
                    f"{where}: github_id {self.declared} is declared, but the login is GitHub "
                    f"user {self.current} now: renamed or freed and reclaimed; find out who it "
                    "is before changing either"
                )
        return f"{where}: GitHub has no account with this login"


@dataclass(frozen=True)
class GithubIds:
    logins: tuple[DeclaredLogin, ...]
    written: tuple[str, ...] = ()  # the files that got github_ids

    @property
    def ok(self) -> bool:
        """Every declared login has its id, and it is the login's id now."""
        return all(found.status == "ok" for found in self.logins)

    def text(self) -> str:
        lines = [found.text() for found in self.logins]
        lines.extend(f"wrote the github_ids into {path}" for path in self.written)
        counts = {
            status: sum(found.status == status for found in self.logins)
            for status in ("ok", "missing", "mismatch", "unknown")
        }
        lines.append(
            f"github-ids: {counts['ok']} ok, {counts['missing']} without github_id, "
            f"{counts['mismatch']} not the declared account, {counts['unknown']} unknown "
            f"login(s)."
        )
        return "\n".join(lines) + "\n"


def github_ids(clients: Sequence[LoadedClient], *, write: bool, lookup=None) -> GithubIds:
    """Each declared login's GitHub id, looked up once per login; with ``write`` the missing
    ``github_id``s are added to the files (a declared id is never changed)."""
    lookup = lookup or gh_user_id
    ids: dict[str, int | None] = {}
    found = []
    for loaded in clients:
        for index, user in enumerate(loaded.spec.users):
            if not user.github:
                continue
            key = user.github.casefold()
            if key not in ids:
                ids[key] = lookup(user.github)
            found.append(
                DeclaredLogin(
                    loaded.spec.id,
                    user.id,
                    user.github,
                    user.github_id,
                    ids[key],
                    loaded.document,
                    index,
                )
            )
    written = _write_ids([f for f in found if f.status == "missing"]) if write else ()
    if written:
        found = [replace(f, declared=f.current) if f.status == "missing" else f for f in found]
    return GithubIds(tuple(found), written)


def gh_user_id(login: str) -> int | None:
    """GitHub's id of LOGIN through `gh api users/LOGIN`; None when there is no such account."""
    try:
        done = subprocess.run(
            ["gh", "api", f"users/{login}"], capture_output=True, timeout=GH_TIMEOUT, check=False
        )
    except FileNotFoundError as exc:
        raise EfctlError(
            "gh is not installed; GitHub ids are looked up with `gh api users/LOGIN`",
            hint="install the GitHub CLI and `gh auth login`, or set GH_TOKEN",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise EfctlError(f"`gh api users/{login}` took longer than {GH_TIMEOUT} s") from exc
    complaint = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        if "HTTP 404" in complaint:
            return None
        raise EfctlError(f"`gh api users/{login}` failed: {complaint or done.returncode}")
    try:
        account = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise EfctlError(f"`gh api users/{login}` gave no JSON: {exc}") from exc
    found = account.get("id") if isinstance(account, dict) else None
    if not _is_number(found):
        raise EfctlError(f"`gh api users/{login}` gave no user id")
    return found


def _write_ids(missing: Sequence[DeclaredLogin]) -> tuple[str, ...]:
    """Add ``github_id: N`` next to each ``github:`` key, in the file's own style; each file is
    read back and must give the same declaration with the ids, else nothing of it is written."""
    by_file: dict[Path, list[DeclaredLogin]] = {}
    for found in missing:
        if found.document.source is not None:
            by_file.setdefault(found.document.source, []).append(found)
    written = []
    for path, entries in by_file.items():
        document = entries[0].document
        lines = document.content.decode("utf-8").splitlines(keepends=True)
        # from the end, so that earlier positions stay valid
        for found in sorted(entries, key=lambda f: document.marks[_login(f)], reverse=True):
            _insert_id(lines, document, found)
        text = "".join(lines)
        check = parse_document(text, document.path)
        want = {f.index: f.current for f in entries}
        users = check.data.get("users") if isinstance(check.data, dict) else None
        if (
            check.diagnostics
            or not isinstance(users, list)
            or any(users[i].get("github_id") != n for i, n in want.items())
            or _without_ids(check.data) != _without_ids(document.data)
        ):
            raise EfctlError(
                f"{document.path}: cannot add the github_ids without changing anything else",
                hint="add them by hand: `github_id: N` next to each user's `github:`",
            )
        write_file(path, text)
        written.append(document.path)
    return tuple(written)


def _login(found: DeclaredLogin) -> tuple:
    return ("users", found.index, "github")


def _insert_id(lines: list[str], document: LoadedDocument, found: DeclaredLogin) -> None:
    key_line, key_col = document.key_marks[_login(found)]
    value_line, value_col = document.marks[_login(found)]
    line = lines[value_line - 1]
    before_key = lines[key_line - 1][: key_col - 1]
    if before_key.strip() in ("", "-"):  # block style: a line of its own below
        indent = " " * (key_col - 1)
        newline = "\r\n" if line.endswith("\r\n") else "\n"
        if not line.endswith(("\n", "\r")):
            lines[value_line - 1] = line + newline
        lines.insert(value_line, f"{indent}github_id: {found.current}{newline}")
        return
    start = value_col - 1  # flow style: right after the login, in the same mapping
    quote = line[start]
    end = line.index(quote, start + 1) + 1 if quote in "'\"" else start + len(found.login)
    lines[value_line - 1] = f"{line[:end]}, github_id: {found.current}{line[end:]}"


def _without_ids(data: Any) -> Any:
    users = [
        {k: v for k, v in user.items() if k != "github_id"} if isinstance(user, dict) else user
        for user in data.get("users", [])
    ]
    return {**data, "users": users}
