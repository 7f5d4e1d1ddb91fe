"""The seed folders of the sandbox tests and the bank state the good one must give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconcile.model import ApiKeyState, ClientState, Contract, Delivery, Signatory, UserState

SEEDS = Path(__file__).parent / "seeds"

ACCOUNT = "CH5604835012345678009"
RENT_ACCOUNT = "CH9300762011623852957"

GOOD_STATES = [
    ClientState(
        id="10000001",
        name="Bärtschi Holzbau AG",
        language="de",
        serial=41,
        contracts=(
            Contract("BS-10000001-1", "billing_solutions", "Billing Solutions"),
            Contract(ACCOUNT, "account", "Geschäftskonto CHF"),
            Contract(
                RENT_ACCOUNT, "account", "Mietzinskonto", ("sign_collective", "capture", "read")
            ),
            Contract("KA-10000001-1", "cards", "Geschäftskarten"),
        ),
        signatories=(
            Signatory("Anna Muster", "collective"),
            Signatory("Urs Bärtschi", "individual"),
        ),
        users=(
            UserState(
                id="anna.muster",
                name="Anna Muster",
                email="anna.muster@example.ch",
                language="fr",
                github="anna-m",
                admin="collective",
                authorizations={
                    ACCOUNT: "sign_collective",
                    RENT_ACCOUNT: "capture",
                    "KA-10000001-1": "read",
                },
            ),
            UserState(
                id="bruno.keller",
                name="Bruno Keller",
                email=None,
                language="de",
                github=None,
                admin="none",
                authorizations={"BS-10000001-1": "sign_individual", ACCOUNT: "read"},
            ),
        ),
        deliveries=(
            Delivery("D-77", ACCOUNT, "camt.053", "2009", "ebanking", "daily"),
            Delivery("D-78", ACCOUNT, "camt.054", "2019", "file_transfer", "daily", "detailed"),
            Delivery("D-79", ACCOUNT, "statement", None, "ebanking", "monthly"),
        ),
        api_keys=(
            ApiKeyState(
                "erp-invoicing",
                "bruno.keller",
                "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                date(2024, 2, 29),
                date(2026, 2, 28),
            ),
        ),
    ),
    ClientState(
        id="10000002",
        name="Fiduciaire Gisèle Favre SA",
        language="fr",
        serial=1,
        contracts=(Contract("EB-10000002-1", "ebill", "eBill"),),
        users=(
            UserState(
                id="anna.muster",
                name="Anna Muster",
                email=None,
                language="fr",
                github=None,
                admin="individual",
                authorizations={"EB-10000002-1": "capture"},
            ),
        ),
    ),
]


@pytest.fixture
def good_seed() -> Path:
    return SEEDS / "good"


@pytest.fixture
def changed_seed() -> Path:
    return SEEDS / "changed"


@pytest.fixture
def bad_seed() -> Path:
    return SEEDS / "bad"


@pytest.fixture
def good_states() -> list[ClientState]:
    return GOOD_STATES
