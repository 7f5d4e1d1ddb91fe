"""The embedded sandbox bank: the bank's side of every relationship, on SQLite or PostgreSQL."""

from efctl.sandbox.ddl import SCHEMA_VERSION
from efctl.sandbox.documents import DocumentOrder
from efctl.sandbox.errors import OrderRefused, SandboxError, SeedError, StaleOrderError
from efctl.sandbox.orders import Switched
from efctl.sandbox.seed import SeededClient, load_bank, load_seed
from efctl.sandbox.store import ClientStatus, Store, StoreStatus, open_store

__all__ = [
    "SCHEMA_VERSION",
    "ClientStatus",
    "DocumentOrder",
    "OrderRefused",
    "SandboxError",
    "SeedError",
    "SeededClient",
    "StaleOrderError",
    "Store",
    "StoreStatus",
    "Switched",
    "load_bank",
    "load_seed",
    "open_store",
]
