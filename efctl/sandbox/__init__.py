"""The embedded sandbox bank: the bank's side of every relationship, on SQLite or PostgreSQL."""

from efctl.sandbox.ddl import SCHEMA_VERSION
from efctl.sandbox.errors import SandboxError, SeedError
from efctl.sandbox.seed import load_seed
from efctl.sandbox.store import ClientStatus, Store, StoreStatus, open_store

__all__ = [
    "SCHEMA_VERSION",
    "ClientStatus",
    "SandboxError",
    "SeedError",
    "Store",
    "StoreStatus",
    "load_seed",
    "open_store",
]
