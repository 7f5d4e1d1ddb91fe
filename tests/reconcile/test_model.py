"""The frozen data's lookups: what a declaration or the bank has by id, and what it has not."""

from __future__ import annotations

from reconcile.model import ClientSpec, ClientState, Contract, UserSpec


def test_a_declared_user_is_found_by_id_and_an_undeclared_one_is_none():
    anna = UserSpec("anna.muster", "Anna Muster")
    spec = ClientSpec("10432210", "Muster Holding AG", "de", users=(anna,))
    assert (spec.user("anna.muster"), spec.user("bruno.keller")) == (anna, None)


def test_a_contract_of_the_relationship_is_found_by_id_and_another_is_none():
    account = Contract("CH93", "account", "Current account")
    state = ClientState("10432210", "Muster Holding AG", "de", 1, contracts=(account,))
    assert (state.contract("CH93"), state.contract("CH56")) == (account, None)
