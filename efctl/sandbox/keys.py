"""The sandbox bank's API keys for Billing Solutions: issued one by one, never in an order.

What the bank keeps of a key is its name, owner, dates, state and a **salted slow hash** of the
secret, plus a short public fingerprint (``sha256:`` and 16 hex digits of the secret's SHA-256,
which the holder can compute from the key to tell which key they hold). The secret itself is
returned once, by :meth:`KeyDesk.issue`, and stored nowhere.

Why scrypt (``hashlib.scrypt``, standard library): the secret is 256 random bits
(``secrets.token_urlsafe(32)``), so even a fast hash could not be searched; a slow, salted,
memory-hard hash costs nothing at the rate keys are issued and verified, and keeps a stolen
table useless should a weaker secret ever be stored. It needs no dependency (bcrypt and argon2
do), and its parameters are stored with each hash, so they can be raised later.

A key is issued **inactive**; :meth:`KeyDesk.activate` makes it usable once its secret has
reached the secret sink, and in the same transaction revokes every other key of that name (a
rotation: the new key is active before the old one goes, and never both for a caller to see).
An inactive key left by an apply that died in between is listed with its state, so the next
plan replaces it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from efctl.sandbox.errors import OrderRefused, SandboxError
from efctl.sandbox.orders import Clock
from efctl.sandbox.rules import api_key_expiry
from efctl.sandbox.sql import Database
from reconcile.backend import IssuedKey
from reconcile.model import AdminRight, KeyState

BILLING_SOLUTIONS = "billing_solutions"  # the bank's contract type for the API
SECRET_BYTES = 32
FINGERPRINT_HEX = 16
# scrypt's cost: 2**14 * 8 * 128 bytes = 16 MiB and some 50 ms per hash (RFC 7914's
# interactive-login figure); stored with every hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
# The bank e-mails a key's user at least 30 days before the key expires (DOMAIN.md section 8):
# once per key and threshold, in the user's language.
NOTICE_DAYS = (30,)


@dataclass(frozen=True)
class DueNotice:
    """An expiry notice the bank owes a key's user."""

    client: str
    client_name: str
    key: str
    fingerprint: str
    expires: date
    days_left: int
    threshold: int
    user: str
    user_name: str
    email: str | None
    language: str


def fingerprint_of(secret: str) -> str:
    """The public fingerprint of a key: what the plan, the listing and the holder compare."""
    return "sha256:" + hashlib.sha256(secret.encode("ascii")).hexdigest()[:FINGERPRINT_HEX]


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (base64), salted with 16 random bytes."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encode = base64.b64encode
    return (
        f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$"
        f"{encode(salt).decode('ascii')}${encode(digest).decode('ascii')}"
    )


def secret_matches(secret: str, stored: str) -> bool:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    found = _scrypt(secret, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(found, base64.b64decode(digest))


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32
    )


class KeyDesk:
    """Issues, activates, revokes and verifies a relationship's API keys."""

    def __init__(self, database: Database, clock: Clock):
        self._db = database
        self._clock = clock

    def issue(self, client: str, name: str, user: str, requested_by: str) -> IssuedKey:
        """A new inactive key for USER, requested by an admin of the relationship; the secret is
        in the result and nowhere else."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        fingerprint = fingerprint_of(secret)
        stored = hash_secret(secret)
        created = self._today()
        expires = api_key_expiry(created)
        with self._db.transaction(write=True):
            self._require_admin(client, requested_by)
            users = {u for (u,) in self._db.query(
                "SELECT id FROM users WHERE client_id = ?", (client,)
            )}  # fmt: skip
            if user not in users:
                raise OrderRefused(
                    f"the bank issues API keys to users of relationship {client} only, and "
                    f"'{user}' is none",
                    hint="create the user first (an earlier order), then request the key",
                )
            billing = self._db.query(
                "SELECT id FROM contracts WHERE client_id = ? AND type = ?",
                (client, BILLING_SOLUTIONS),
            )
            if not billing:
                raise OrderRefused(
                    f"relationship {client} has no {BILLING_SOLUTIONS} contract: the bank "
                    "issues API keys for Billing Solutions only"
                )
            self._db.insert_many(
                "api_keys",
                (
                    "client_id", "name", "user_id", "fingerprint", "state", "secret_hash",
                    "created", "expires",
                ),
                [(
                    client, name, user, fingerprint, KeyState.INACTIVE.value, stored,
                    created.isoformat(), expires.isoformat(),
                )],
            )  # fmt: skip
        return IssuedKey(client, name, user, fingerprint, created, expires, secret)

    def activate(self, client: str, fingerprint: str, replacing: tuple[str, ...] = ()) -> None:
        """Activate the inactive key, then revoke every other key of its name, in one
        transaction; only while the name's active keys are still ``replacing`` (what the plan
        saw), so that of two runs issuing the same key at once only one activates."""
        with self._db.transaction(write=True):
            rows = self._db.query(
                "SELECT name, state FROM api_keys WHERE client_id = ? AND fingerprint = ?",
                (client, fingerprint),
            )
            if not rows:
                raise SandboxError(f"relationship {client} holds no API key {fingerprint}")
            ((name, state),) = rows
            if state != KeyState.INACTIVE.value:
                raise SandboxError(f"API key {fingerprint} of relationship {client} is {state}")
            active = self._db.query(
                "SELECT fingerprint FROM api_keys WHERE client_id = ? AND name = ? AND state = ?",
                (client, name, KeyState.ACTIVE.value),
            )
            if {f for (f,) in active} != set(replacing):
                raise SandboxError(
                    f"API key {name} of relationship {client} changed while this key was being"
                    " issued (another run?): the new key was not activated",
                    hint="run `efctl plan` again: it replaces the inactive key",
                )
            self._db.execute(
                "UPDATE api_keys SET state = ? WHERE client_id = ? AND fingerprint = ?",
                (KeyState.ACTIVE.value, client, fingerprint),
            )
            self._db.execute(
                "DELETE FROM api_keys WHERE client_id = ? AND name = ? AND fingerprint <> ?",
                (client, name, fingerprint),
            )

    def revoke(self, client: str, name: str, requested_by: str) -> int:
        """Revoke every key of NAME (what the bank then holds of them: nothing); how many."""
        with self._db.transaction(write=True):
            self._require_admin(client, requested_by)
            found = self._db.query(
                "SELECT COUNT(*) FROM api_keys WHERE client_id = ? AND name = ?", (client, name)
            )[0][0]
            self._db.execute(
                "DELETE FROM api_keys WHERE client_id = ? AND name = ?", (client, name)
            )
        return found

    def discard(self, client: str, fingerprint: str) -> None:
        """Revoke one inactive key whose secret never reached its holder."""
        with self._db.transaction(write=True):
            self._db.execute(
                "DELETE FROM api_keys WHERE client_id = ? AND fingerprint = ? AND state = ?",
                (client, fingerprint, KeyState.INACTIVE.value),
            )

    def verify(self, client: str, secret: str) -> str | None:
        """The name of the active key SECRET is, as the bank checks a caller of its API."""
        rows = self._db.query(
            "SELECT name, secret_hash FROM api_keys"
            " WHERE client_id = ? AND fingerprint = ? AND state = ?",
            (client, fingerprint_of(secret), KeyState.ACTIVE.value),
        )
        for name, stored in rows:
            if stored and secret_matches(secret, stored):
                return name
        return None

    def due_notices(self, today: date) -> list[DueNotice]:
        """The notices owed on TODAY and not yet sent: active keys within a threshold."""
        rows = self._db.query(
            "SELECT k.client_id, c.name, k.name, k.fingerprint, k.expires, u.id, u.name,"
            " u.email, u.language FROM api_keys k"
            " JOIN clients c ON c.id = k.client_id"
            " JOIN users u ON u.client_id = k.client_id AND u.id = k.user_id"
            " WHERE k.state = ?",
            (KeyState.ACTIVE.value,),
        )
        sent = set(self._db.query("SELECT client_id, fingerprint, threshold FROM key_notices"))
        due = []
        for client, client_name, key, fingerprint, expires, user, name, email, language in rows:
            expires = expires if isinstance(expires, date) else date.fromisoformat(expires)
            days = (expires - today).days
            for threshold in NOTICE_DAYS:
                if days <= threshold and (client, fingerprint, threshold) not in sent:
                    due.append(
                        DueNotice(
                            client,
                            client_name,
                            key,
                            fingerprint,
                            expires,
                            days,
                            threshold,
                            user,
                            name,
                            email,
                            language,
                        )
                    )
        return sorted(due, key=lambda n: (n.client, n.key, n.threshold))

    def send_notice(
        self, notice: DueNotice, today: date, send: Callable[[DueNotice], None]
    ) -> bool:
        """Record the notice and send it in one transaction: a notice that fails to send is
        not recorded, and one recorded (by this or a concurrent run) is never sent again.
        False when it was recorded already."""
        with self._db.transaction(write=True):
            claimed = self._db.query(
                "INSERT INTO key_notices (client_id, fingerprint, threshold, sent_on, recipient)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING fingerprint",
                (notice.client, notice.fingerprint, notice.threshold, today.isoformat(),
                 notice.user),
            )  # fmt: skip
            if not claimed:
                return False
            send(notice)
        return True

    def _today(self) -> date:
        return self._clock().date()

    def _require_admin(self, client: str, user: str) -> None:
        rows = self._db.query(
            f"SELECT admin FROM users WHERE client_id = ? AND id = ?{self._db.dialect.for_update}",
            (client, user),
        )
        if not rows or AdminRight(rows[0][0]) is AdminRight.NONE:
            who = f"'{user}' is no user of relationship {client}" if not rows else (
                f"'{user}' holds no Admin right in relationship {client}"
            )  # fmt: skip
            raise OrderRefused(
                f"the bank takes API key requests from admins only: {who}",
                hint="the plan's author (the maker) requests the keys: an admin makes the plan",
            )
