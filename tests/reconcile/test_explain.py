"""explain_json / render_text: one user's rights, their provenance, the dropped ones, the admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from efctl.render.explain import explain_json, render_text
from reconcile.model import ClientState, UserState
from reconcile.resolve import resolve_client

CHAIN = Path(__file__).parent.parent / "golden" / "resolve" / "copy-chain"


@pytest.fixture
def explained(catalog, declare, contracts):
    spec = declare((CHAIN / "declaration.yaml").read_text(encoding="utf-8"))
    bank_contracts = contracts((CHAIN / "contracts.yaml").read_text(encoding="utf-8"))
    bruno_at_bank = UserState("bruno.keller", "Bruno Keller", None, "de", None, "collective", {})
    bank = ClientState(
        "10432210", "Muster Holding AG", "de", 41, contracts=bank_contracts, users=(bruno_at_bank,)
    )
    resolution = resolve_client(spec, bank_contracts, catalog)

    def explain(user: str, view=None, language: str | None = None):
        data = explain_json(resolution, user, bank, catalog, language)
        return (
            render_text(data) if view is None else view(resolution, user, bank, catalog, language)
        )

    return explain


def test_text_shows_rights_dropped_contracts_and_the_admin_right(explained):
    assert explained("bruno.keller") == (
        "user bruno.keller in client relationship 10432210 (Muster Holding AG)\n"
        "\n"
        "CONTRACT               NAME                TYPE     PROFILE          REQUESTED        "
        "SOURCE                               FALLBACK\n"
        "CH5604835012345678009  Geschäftskonto CHF  account  sign_collective  sign_collective  "
        "copy_from anna.muster: all[account]  -\n"
        "CH4431999123000889012  Sparkonto           deposit  sign_collective  sign_collective  "
        "copy_from anna.muster: all[deposit]  -\n"
        "EB-10432210-1          eBill               ebill    read             read             "
        "single                               -\n"
        "\n"
        "dropped (resolved to none):\n"
        "  KA-10432210-1 Geschäftskarten (cards): excluded by exclude entry 'cards'\n"
        "\n"
        "admin: none (kein Admin-Recht); at the bank now: collective; never copied, changed only "
        "on the bank's paper form\n"
    )


def test_text_names_the_fallback_applied(explained):
    text = explained("anna.muster", language="fr")
    assert (
        "CH4431999123000889012  Sparkonto           deposit  sign_collective  sign_individual  "
        "all[deposit]  fallback: sign_individual not allowed on CH4431999123000889012 (deposit), "
        "assigned sign_collective\n"
    ) in text
    assert text.endswith(
        "admin: individual (Admin à signature individuelle); never copied, changed only on the "
        "bank's paper form\n"
    )


def test_json_has_stable_keys_and_the_whole_copy_chain(explained):
    data = explained("carla.rossi", view=explain_json)
    assert list(data) == [
        "format_version",
        "client",
        "user",
        "language",
        "rights",
        "dropped",
        "notes",
        "admin",
        "until",
    ]
    deposit = data["rights"][1]
    assert {k: deposit[k] for k in ("contract", "name", "type", "type_label", "profile")} == {
        "contract": "CH4431999123000889012",
        "name": "Sparkonto",
        "type": "deposit",
        "type_label": "Depositen- und Sparkonto",
        "profile": "sign_collective",
    }
    assert deposit["profile_label"] == "Kollektivunterschrift zu zweien"
    assert deposit["source"]["chain"] == ["bruno.keller", "anna.muster"]
    origin = deposit["source"]["origin"]["source"]["origin"]
    assert origin["requested"] == "sign_individual"
    assert origin["fallback"] == (
        "fallback: sign_individual not allowed on CH4431999123000889012 (deposit), "
        "assigned sign_collective"
    )
    assert data["admin"] == {"right": "none", "label": "kein Admin-Recht", "at_bank": None}


def test_a_user_without_rights_gets_the_notes(catalog, declare, contracts):
    spec = declare("users: [{id: emil.frei, name: Emil Frei, authorizations: {copy_from: x}}]")
    bank = ClientState("10432210", "Muster Holding AG", "de", 1)
    resolution = resolve_client(spec, bank.contracts, catalog)
    assert render_text(explain_json(resolution, "emil.frei", bank, catalog, "en")) == (
        "user emil.frei in client relationship 10432210 (Muster Holding AG)\n"
        "\n"
        "no effective rights\n"
        "\n"
        "notes:\n"
        "  copy_from x ignored: no such user in the relationship\n"
        "\n"
        "admin: none (no Admin right); never copied, changed only on the bank's paper form\n"
    )
