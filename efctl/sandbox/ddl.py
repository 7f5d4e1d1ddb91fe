"""The sandbox bank's tables, written once for SQLite and PostgreSQL.

``{blob}``, ``{date}`` and ``{timestamp}`` are the only words that differ between the two
engines (see ``Dialect.types``); ``{languages}`` lists the relationship languages. The bank's
fixed vocabulary (languages, admin rights, signatures, delivery kinds, order states) is checked
in SQL; the catalog's vocabulary (profiles, contract types, ISO versions) is not, because a
repository may override the catalog. Lists (a contract's narrower profiles, an order's checkers
and changes) are JSON text.
"""

from __future__ import annotations

# Bump whenever a table below, or the JSON an order stores, changes; a store of another version
# must be reset. 3: order changes carry typed notes (plan format 2). 4: an audit entry names
# its order (order_id), whose stored changes its changes_digest binds. 5: users carry their
# signing_key. 6: the bank's automatic ISO version change: deliveries record
# switched_on/switched_from, and the bank's own executed orders (maker 'the bank') carry their
# reason. 7: documents are ordered reports (who ordered, when due, pending or ready), their PDF
# stored once processed.
# 8: API keys are issued by the sandbox: each has a state (inactive until its secret
# reached the sink, then active) and a salted scrypt hash of its secret, and is keyed by its
# fingerprint (during a rotation two keys of one name exist, the new one inactive); the bank
# records each expiry notice it sent (key_notices), so that none is sent twice.
SCHEMA_VERSION = 8

LANGUAGES = ("de", "fr", "it", "en")

# Parents before children: created in this order, dropped in the reverse one.
TABLES: tuple[tuple[str, str], ...] = (
    (
        "schema_version",
        """
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY
)""",
    ),
    (
        "clients",
        """
CREATE TABLE clients (
    id TEXT PRIMARY KEY CHECK (id <> ''),
    name TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN {languages}),
    serial INTEGER NOT NULL CHECK (serial >= 1)
)""",
    ),
    (
        "contracts",
        """
CREATE TABLE contracts (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    allowed TEXT,
    PRIMARY KEY (client_id, id)
)""",
    ),
    (
        "signatories",
        """
CREATE TABLE signatories (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    signature TEXT NOT NULL CHECK (signature IN ('individual', 'collective')),
    PRIMARY KEY (client_id, name)
)""",
    ),
    (
        "users",
        """
CREATE TABLE users (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    language TEXT NOT NULL CHECK (language IN {languages}),
    github TEXT,
    admin TEXT NOT NULL CHECK (admin IN ('none', 'individual', 'collective')),
    signing_key TEXT,
    PRIMARY KEY (client_id, id),
    UNIQUE (client_id, github)
)""",
    ),
    (
        "authorizations",
        """
CREATE TABLE authorizations (
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    profile TEXT NOT NULL CHECK (profile <> 'none'),
    PRIMARY KEY (client_id, user_id, contract_id),
    FOREIGN KEY (client_id, user_id) REFERENCES users (client_id, id) ON DELETE CASCADE,
    FOREIGN KEY (client_id, contract_id) REFERENCES contracts (client_id, id) ON DELETE CASCADE
)""",
    ),
    (
        "deliveries",
        """
CREATE TABLE deliveries (
    client_id TEXT NOT NULL,
    id TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('camt.052', 'camt.053', 'camt.054', 'statement',
                                       'interest_statement', 'payment_confirmation')),
    variant TEXT CHECK (variant IN ('incremental', 'collective', 'detailed')),
    iso_version TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('ebanking', 'file_transfer', 'post')),
    frequency TEXT NOT NULL CHECK (frequency IN ('intraday', 'daily', 'weekly', 'monthly',
                                                 'quarterly', 'yearly')),
    switched_on {date},
    switched_from TEXT,
    PRIMARY KEY (client_id, id),
    FOREIGN KEY (client_id, contract_id) REFERENCES contracts (client_id, id) ON DELETE CASCADE,
    CHECK ((iso_version IS NULL) = (kind NOT LIKE 'camt.%')),
    CHECK ((switched_on IS NULL) = (switched_from IS NULL))
)""",
    ),
    (
        "api_keys",
        """
CREATE TABLE api_keys (
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE CHECK (fingerprint LIKE 'sha256:%'),
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('inactive', 'active')),
    secret_hash TEXT CHECK (secret_hash LIKE 'scrypt$%'),
    created {date} NOT NULL,
    expires {date} NOT NULL,
    PRIMARY KEY (client_id, fingerprint),
    FOREIGN KEY (client_id, user_id) REFERENCES users (client_id, id) ON DELETE CASCADE,
    CHECK (expires > created)
)""",
    ),
    (
        "key_notices",
        """
CREATE TABLE key_notices (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    threshold INTEGER NOT NULL CHECK (threshold >= 0),
    sent_on {date} NOT NULL,
    recipient TEXT NOT NULL,
    PRIMARY KEY (client_id, fingerprint, threshold)
)""",
    ),
    (
        "orders",
        """
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'rejected')),
    maker TEXT NOT NULL,
    checkers TEXT NOT NULL,
    plan_id TEXT,
    commit_sha TEXT,
    base_serial INTEGER NOT NULL,
    changes TEXT NOT NULL,
    created_at {timestamp} NOT NULL,
    executed_at {timestamp},
    serial_after INTEGER,
    reason TEXT,
    CHECK ((status = 'executed') = (executed_at IS NOT NULL)),
    CHECK ((status = 'executed') = (serial_after IS NOT NULL)),
    -- a rejected order says why; an executed one only when the bank made it on its own
    CHECK (status <> 'rejected' OR reason IS NOT NULL),
    CHECK (status <> 'pending' OR reason IS NULL)
)""",
    ),
    (
        "documents",
        """
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('authorizations', 'deliveries')),
    language TEXT NOT NULL CHECK (language IN {languages}),
    ordered_by TEXT NOT NULL,
    ordered_at {timestamp} NOT NULL,
    due_at {timestamp} NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'ready')),
    filename TEXT NOT NULL,
    ready_at {timestamp},
    content {blob},
    UNIQUE (client_id, filename),
    CHECK ((status = 'ready') = (ready_at IS NOT NULL)),
    CHECK ((status = 'ready') = (content IS NOT NULL))
)""",
    ),
    (
        "audit",
        """
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    client_id TEXT NOT NULL REFERENCES clients (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    at {timestamp} NOT NULL,
    plan_id TEXT,
    commit_sha TEXT,
    maker TEXT NOT NULL,
    checkers TEXT NOT NULL,
    changes_digest TEXT NOT NULL,
    prev_hash TEXT,
    hash TEXT NOT NULL UNIQUE
)""",
    ),
)


def create_statements(types: dict[str, str]) -> list[str]:
    """The CREATE TABLE statements in dependency order, for one engine's type names."""
    languages = "(" + ", ".join(f"'{code}'" for code in LANGUAGES) + ")"
    return [ddl.format(languages=languages, **types) for _, ddl in TABLES]
