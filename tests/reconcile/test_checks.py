"""check_client: one test per code, with the exact message, hint and pointer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from reconcile.catalog import IsoGeneration
from reconcile.checks import Gaps, check_client
from reconcile.diagnostics import Diagnostic, Severity
from reconcile.model import ClientState, Contract, Delivery

TODAY = date(2025, 6, 1)
AFTER_PHASE = date(2026, 11, 22)

BANK = ClientState(
    id="10432210",
    name="Muster Holding AG",
    language="de",
    serial=41,
    contracts=(
        Contract("CH5604835012345678009", "account", "Geschäftskonto CHF"),
        Contract("CH9300762011623852957", "account", "Mietzinskonto"),
        Contract("EB-10432210-1", "ebill", "eBill"),
        Contract("BS-10432210-1", "billing_solutions", "Billing Solutions"),
        Contract("DP-10432210-1", "custody", "Wertschriftendepot"),
    ),
    deliveries=(
        Delivery("D-77", "CH5604835012345678009", "camt.053", "2009", "ebanking", "daily"),
        Delivery("D-79", "CH5604835012345678009", "statement", None, "ebanking", "monthly"),
    ),
)

ANNA = (
    "{id: anna.muster, name: Anna Muster, admin: collective,"
    " authorizations: {all: {account: sign_collective, billing_solutions: read}}}"
)


@pytest.fixture
def check(declare, catalog):
    def run(text: str, bank: ClientState | None = BANK, today: date = TODAY, *, of=None, **kwargs):
        """``of``: another catalog than the packaged one."""
        return check_client(declare(text), bank, of or catalog, today, **kwargs)

    return run


def only(problems: list[Diagnostic]) -> Diagnostic:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_clean_declaration_has_no_problems(check):
    assert check(f"users: [{ANNA}]\napi_keys: [{{name: erp, user: anna.muster}}]") == []


def test_ef101_duplicate_user_id_points_at_the_second_id(check):
    problem = only(check(f"users: [{ANNA}, {ANNA}]"))
    assert problem == Diagnostic(
        "EF101",
        Severity.ERROR,
        "duplicate user id 'anna.muster': users[0] already declares it",
        "the user id is the stable key of a user: give each user its own id, "
        "or merge the two entries",
        ("users", 1, "id"),
    )


def test_ef102_unknown_contract_in_single_suggests_close_ids(check):
    problem = only(
        check(
            f"""
            users:
              - {ANNA}
              - id: bruno.keller
                name: Bruno Keller
                authorizations:
                  single: [{{contract: EB-10432210-1, profile: read}},
                           {{contract: CH5604835012345678008, profile: read}}]
            """
        )
    )
    assert problem.code == "EF102"
    assert problem.message == (
        "unknown contract 'CH5604835012345678008' in single of user 'bruno.keller': "
        "client relationship 10432210 has no such contract"
    )
    assert problem.hint == "did you mean 'CH5604835012345678009'?"
    assert problem.pointer == ("users", 1, "authorizations", "single", 1, "contract")


def test_ef102_unknown_contract_without_close_ids_lists_the_relationship_contracts(check):
    problem = only(
        check(
            """
            users:
              - id: bruno.keller
                name: Bruno Keller
                admin: individual
                authorizations:
                  single: [{contract: XYZ, profile: read}]
            """
        )
    )
    assert problem.hint == (
        "contracts of 10432210: CH5604835012345678009, CH9300762011623852957, EB-10432210-1, "
        "BS-10432210-1, DP-10432210-1"
    )


def single_on(contract: str) -> str:
    return (
        "users: [{id: bruno.keller, name: Bruno Keller, admin: individual, authorizations:"
        f" {{single: [{{contract: {contract}, profile: read}}]}}}}]"
    )


def with_contracts(*ids: str) -> ClientState:
    return replace(BANK, contracts=tuple(Contract(i, "account", "Konto") for i in ids))


def test_ef102_suggests_only_the_closest_ids_and_at_most_three(check):
    """Ids such as IBANs all look alike: a near miss names the nearest, not every near one."""
    ibans = with_contracts("CH5604835012345678019", "CH5604835012345678009")
    problem = only(check(single_on("CH5604835012345678008"), bank=ibans))
    assert problem.hint == "did you mean 'CH5604835012345678009'?"
    ebills = with_contracts(*(f"EB-10432210-{n}" for n in range(1, 5)))
    problem = only(check(single_on("EB-10432210-9"), bank=ebills))
    assert problem.hint == "did you mean 'EB-10432210-4' or 'EB-10432210-3' or 'EB-10432210-2'?"


def test_ef102_lists_ten_contracts_and_counts_the_rest(check):
    ten = [f"K-{n:02}" for n in range(10)]
    problem = only(check(single_on("XYZ"), bank=with_contracts(*ten)))
    assert problem.hint == f"contracts of 10432210: {', '.join(ten)}"
    problem = only(check(single_on("XYZ"), bank=with_contracts(*ten, "K-10", "K-11")))
    assert problem.hint == f"contracts of 10432210: {', '.join(ten)} and 2 more"


def test_ef102_exclude_entry_is_neither_contract_nor_type(check):
    problem = only(
        check(
            f"""
            users:
              - {ANNA}
              - id: bruno.keller
                name: Bruno Keller
                authorizations:
                  copy_from: anna.muster
                  exclude: [account, custdy, CH9300762011623852957]
            """
        )
    )
    assert problem == Diagnostic(
        "EF102",
        Severity.ERROR,
        "unknown contract or contract type 'custdy' in exclude of user 'bruno.keller': neither "
        "a contract of client relationship 10432210 nor a contract type of the catalog",
        "exclude takes contract ids or contract types; did you mean 'custody'?",
        ("users", 1, "authorizations", "exclude", 1),
    )


def test_ef103_unknown_contract_type_in_all(check):
    problem = only(
        check(
            """
            users:
              - id: anna.muster
                name: Anna Muster
                admin: individual
                authorizations:
                  all: {acount: read, '*': read}
            """
        )
    )
    assert problem == Diagnostic(
        "EF103",
        Severity.ERROR,
        "unknown contract type 'acount' in all of user 'anna.muster'",
        "'*' stands for every type not named; did you mean 'account'?",
        ("users", 0, "authorizations", "all", "acount"),
    )


def test_ef103_without_a_close_type_lists_the_catalogs_types(check):
    text = (
        "users: [{id: anna.muster, name: Anna Muster, admin: individual,"
        " authorizations: {all: {loans: read}}}]"
    )
    assert only(check(text)).hint == (
        "'*' stands for every type not named; contract types of the catalog: account, deposit, "
        "ebill, cards, custody, billing_solutions, file_transfer"
    )


def test_ef102_an_exclude_entry_without_a_close_one_lists_contracts_then_types(check):
    text = """
    users:
      - {id: anna.muster, name: Anna Muster, admin: individual, authorizations: {all: {'*': read}}}
      - id: bruno.keller
        name: Bruno Keller
        authorizations: {copy_from: anna.muster, exclude: [XYZ]}
    """
    assert only(check(text)).hint == (
        "exclude takes contract ids or contract types; contracts of 10432210 and types: "
        "CH5604835012345678009, CH9300762011623852957, EB-10432210-1, BS-10432210-1, "
        "DP-10432210-1, account, deposit, ebill, cards, custody and 2 more"
    )


@pytest.mark.parametrize(
    ("grants", "where"),
    [
        ("{all: {account: read}, exclude: [CH5604835012345678009]}", ("all", "account")),
        ("{single: [{contract: CH9300762011623852957, profile: read}]}", ("single",)),
    ],
    ids=["all", "single"],
)
def test_ef118_a_fallback_to_nothing_is_warned_after_an_excluded_right(check, grants, where):
    """The excluded account is dropped on purpose (no warning); the narrowed one, which allows
    nothing at or below read, is the fallback to nothing the user did not ask for. The warning
    points at the `all` entry's type, or at the single entries."""
    narrowed = replace(
        BANK,
        contracts=tuple(
            replace(c, allowed=("sign_collective",)) if c.id == "CH9300762011623852957" else c
            for c in BANK.contracts
        ),
    )
    text = f"users: [{{id: anna.muster, name: A M, admin: individual, authorizations: {grants}}}]"
    assert check(text, narrowed) == [
        Diagnostic(
            "EF118",
            Severity.WARNING,
            "user 'anna.muster' gets nothing on CH9300762011623852957: fallback: read not allowed"
            " on CH9300762011623852957 (account; this contract allows only sign_collective), no"
            " lower profile allowed, assigned none",
            "ask for a profile the contract allows, or take the contract out with "
            "`single: [{contract: CH9300762011623852957, profile: none}]` to say so",
            ("users", 0, "authorizations", *where),
        )
    ]


def test_ef118_on_a_contract_that_allows_no_profile_says_so(check):
    closed = replace(
        BANK,
        contracts=tuple(
            replace(c, allowed=()) if c.id == "CH9300762011623852957" else c for c in BANK.contracts
        ),
    )
    text = "users: [{id: anna.muster, name: A, authorizations: {all: {account: read}}}]"
    [on_closed] = [p for p in check(text, closed) if "CH9300762011623852957" in p.message]
    assert on_closed.message == (
        "user 'anna.muster' gets nothing on CH9300762011623852957: fallback: read not allowed on"
        " CH9300762011623852957 (account; this contract allows only nothing), no lower profile"
        " allowed, assigned none"
    )


def test_a_key_of_a_user_whose_rights_are_unknown_is_skipped_the_next_one_checked(check):
    """A user with a part left out (reported already) has unknown rights: their key is not
    judged; the keys after it are."""
    text = (
        "users: [{id: anna.muster, name: Anna Muster, admin: individual,"
        " authorizations: {all: {'*': read}}}]\n"
        "api_keys: [{name: erp, user: left.out}, {name: shop, user: nobody}]"
    )
    problem = only(check(text, gaps=Gaps(unsure=frozenset({"left.out"}))))
    assert (problem.code, problem.pointer) == ("EF107", ("api_keys", 1, "user"))


def test_a_duplicate_of_a_user_in_a_copy_cycle_is_a_duplicate_not_a_second_cycle(check):
    text = """
    users:
      - {id: anna.muster, name: A, admin: individual, authorizations: {copy_from: bruno.keller}}
      - {id: bruno.keller, name: B, admin: individual, authorizations: {copy_from: anna.muster}}
      - {id: anna.muster, name: A, authorizations: {copy_from: bruno.keller}}
    """
    assert [(p.code, p.pointer) for p in check(text)] == [
        ("EF106", ("users", 0, "authorizations", "copy_from")),
        ("EF101", ("users", 2, "id")),
    ]


def test_ef104_all_with_copy_from(check):
    problem = only(
        check(
            f"""
            users:
              - {ANNA}
              - id: bruno.keller
                name: Bruno Keller
                authorizations:
                  all: {{'*': read}}
                  copy_from: anna.muster
            """
        )
    )
    assert problem == Diagnostic(
        "EF104",
        Severity.ERROR,
        "user 'bruno.keller' has both all and copy_from: the base of a user's rights is either "
        "all authorisations or a copy, never both",
        "keep one of them, and correct single contracts with `single`",
        ("users", 1, "authorizations", "copy_from"),
    )


@pytest.mark.parametrize(
    ("others", "named", "hint"),
    [
        ("", "zoe", "there are no users of this file"),
        (f"  - {ANNA}", "zoe", "users of this file: anna.muster"),
    ],
    ids=["alone", "none-close"],
)
def test_ef105_a_copy_from_like_no_user_says_who_there_is(check, others, named, hint):
    problems = check(
        f"""
        users:
        {others}
          - {{id: bruno.keller, name: B, admin: individual, authorizations: {{copy_from: {named}}}}}
        """
    )
    assert [(p.code, p.hint) for p in problems] == [
        ("EF105", f"copy_from takes the id of another user declared in this file; {hint}")
    ]


def test_ef105_copy_from_names_no_user(check):
    problems = check(
        f"""
        users:
          - {ANNA}
          - id: bruno.keller
            name: Bruno Keller
            authorizations:
              copy_from: anna.mustr
        """
    )
    assert [(p.code, p.message, p.hint, p.pointer) for p in problems] == [
        (
            "EF105",
            "copy_from 'anna.mustr' of user 'bruno.keller' names no user of client "
            "relationship 10432210",
            "copy_from takes the id of another user declared in this file; "
            "did you mean 'anna.muster'?",
            ("users", 1, "authorizations", "copy_from"),
        ),
        (
            "EF113",
            "user 'bruno.keller' is left with no rights at all and no Admin right",
            "grant authorisations (all, copy_from or single), or remove the user to end the "
            "access; `efctl explain 10432210 bruno.keller` shows why",
            ("users", 1),
        ),
    ]


def test_ef106_a_cycle_is_named_whole_and_once(check):
    problems = check(
        """
        users:
          - {id: a, name: A, admin: individual, authorizations: {copy_from: b}}
          - {id: x, name: X, admin: individual, authorizations: {copy_from: a}}
          - {id: b, name: B, admin: individual, authorizations: {copy_from: c}}
          - {id: c, name: C, admin: individual, authorizations: {copy_from: a}}
          - {id: s, name: S, admin: individual, authorizations: {copy_from: s}}
        """
    )
    assert [(p.code, p.message, p.pointer) for p in problems] == [
        ("EF106", "copy cycle: a -> b -> c -> a", ("users", 0, "authorizations", "copy_from")),
        ("EF106", "copy cycle: s -> s", ("users", 4, "authorizations", "copy_from")),
    ]
    assert problems[0].hint == (
        "break the cycle: give one of these users `all` or `single` authorisations instead of "
        "copy_from"
    )


def test_ef107_api_key_for_an_unknown_user(check):
    problem = only(check(f"users: [{ANNA}]\napi_keys: [{{name: erp, user: ana.muster}}]"))
    assert problem == Diagnostic(
        "EF107",
        Severity.ERROR,
        "API key 'erp' is for user 'ana.muster', who is not declared in client relationship "
        "10432210",
        "a key belongs to a user of the relationship: declare the user first; "
        "did you mean 'anna.muster'?",
        ("api_keys", 0, "user"),
    )


def test_ef107_with_no_user_close_lists_the_users(check):
    problem = only(check(f"users: [{ANNA}]\napi_keys: [{{name: erp, user: zoe}}]"))
    assert problem.hint == (
        "a key belongs to a user of the relationship: declare the user first; "
        "users of this file: anna.muster"
    )


def test_ef108_api_key_user_without_billing_solutions_right(check):
    problem = only(
        check(
            f"""
            users:
              - {ANNA}
              - id: bruno.keller
                name: Bruno Keller
                authorizations:
                  copy_from: anna.muster
                  exclude: [billing_solutions]
            api_keys: [{{name: erp, user: anna.muster}}, {{name: erp-2, user: bruno.keller}}]
            """
        )
    )
    assert problem == Diagnostic(
        "EF108",
        Severity.ERROR,
        "API key 'erp-2' is for user 'bruno.keller', who has no effective right on a "
        "billing_solutions contract of client relationship 10432210",
        "grant the user a profile on BS-10432210-1, for example "
        "`single: [{contract: BS-10432210-1, profile: read}]`",
        ("api_keys", 1, "user"),
    )


def test_ef108_relationship_without_billing_solutions_contract(check):
    bank = ClientState("10432210", "Muster Holding AG", "de", 1, contracts=BANK.contracts[:3])
    problem = only(check(f"users: [{ANNA}]\napi_keys: [{{name: erp, user: anna.muster}}]", bank))
    assert problem.code == "EF108"
    assert problem.message == (
        "API key 'erp' is for user 'anna.muster', but client relationship 10432210 has no "
        "billing_solutions contract"
    )
    assert problem.hint == (
        "API keys are for Billing Solutions: the bank opens that contract first, then declare "
        "the key"
    )
    assert problem.pointer == ("api_keys", 0, "user")


@pytest.mark.parametrize(
    ("allowed", "example"),
    [
        (("read",), ", for example `single: [{contract: BS-10432210-1, profile: read}]`"),
        (("capture",), ""),  # the contract allows nothing its type offers: no example
    ],
)
def test_ef108_the_example_grant_is_the_lowest_profile_the_contract_allows(check, allowed, example):
    narrowed = replace(
        BANK,
        contracts=tuple(
            replace(c, allowed=allowed) if c.type == "billing_solutions" else c
            for c in BANK.contracts
        ),
    )
    text = (
        "users: [{id: anna.muster, name: Anna Muster, admin: collective,"
        " authorizations: {all: {account: read}}}]\napi_keys: [{name: erp, user: anna.muster}]"
    )
    problem = only(check(text, narrowed))
    assert problem.hint == f"grant the user a profile on BS-10432210-1{example}"


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 11, 21), []), (AFTER_PHASE, ["EF109", "EF109"])],
    ids=["last-day-of-parallel-phase", "day-after"],
)
def test_ef109_iso_2009_is_refused_only_after_the_parallel_phase(check, today, expected):
    problems = check(
        f"""
        users: [{ANNA}]
        deliveries:
          iso_version: "2009"
          overrides:
            - {{delivery: D-77, iso_version: "2019"}}
            - {{delivery: D-77, iso_version: "2009"}}
        """,
        today=today,
    )
    assert [p.code for p in problems] == expected
    if problems:
        assert [p.pointer for p in problems] == [
            ("deliveries", "iso_version"),
            ("deliveries", "overrides", 1, "iso_version"),
        ]
        assert problems[0].message == (
            "ISO version 2009 is no longer accepted: the parallel phase ended on 2026-11-21"
        )
        assert problems[0].hint == (
            'declare "2019" (camt.05x.001.08): after the parallel phase the bank switches every '
            "delivery still on 2009 to 2019 itself (automatic ISO version change)"
        )


def test_ef109_hint_names_what_the_bank_switched(check):
    """Once the bank has switched a delivery the declaration still asks 2009 for, the hint says
    so (which, when, why) and what to declare; an override names only its own delivery."""
    switched = replace(
        BANK,
        deliveries=tuple(
            replace(d, iso_version="2019", switched_on=date(2026, 11, 22), switched_from="2009")
            if d.id == "D-77"
            else d
            for d in BANK.deliveries
        ),
    )
    problems = check(
        f"""
        users: [{ANNA}]
        deliveries:
          iso_version: "2009"
          overrides: [{{delivery: D-77, iso_version: "2009"}}]
        """,
        bank=switched,
        today=AFTER_PHASE,
    )
    assert [p.hint for p in problems] == [
        'declare "2019" (camt.05x.001.08): after the parallel phase the bank switches every '
        "delivery still on 2009 to 2019 itself (automatic ISO version change)",
        "the bank switched D-77 to 2019 on 2026-11-22 (automatic ISO version change); "
        'declare "2019" (camt.05x.001.08)',
    ]


def test_ef109_after_the_phase_only_the_newest_of_three_generations_is_accepted(check, catalog):
    newer = IsoGeneration("2025", "camt.05x.001.13", ("pain.001.001.12",))
    three = replace(catalog, iso_versions={**catalog.iso_versions, "2025": newer})

    def declaring(version: str) -> list[Diagnostic]:
        text = f'users: [{ANNA}]\ndeliveries: {{iso_version: "{version}"}}'
        return check(text, None, AFTER_PHASE, bank_known=False, of=three)

    assert declaring("2025") == []
    assert declaring("2019") == [
        Diagnostic(
            "EF109",
            Severity.ERROR,
            "ISO version 2019 is no longer accepted: the parallel phase ended on 2026-11-21",
            'declare "2025" (camt.05x.001.13): after the parallel phase the bank switches every '
            "delivery still on 2019 to 2025 itself (automatic ISO version change)",
            ("deliveries", "iso_version"),
        )
    ]


def test_ef109_hint_names_every_switched_delivery_by_day_then_id(check):
    def switched(delivery: str, day: int) -> Delivery:
        return Delivery(
            delivery, "CH5604835012345678009", "camt.053", "2019", "ebanking", "daily",
            switched_on=date(2026, 11, day), switched_from="2009",
        )  # fmt: skip

    bank = replace(
        BANK, deliveries=(switched("D-80", 22), switched("D-81", 23), switched("D-77", 22))
    )
    problem = only(
        check(f'users: [{ANNA}]\ndeliveries: {{iso_version: "2009"}}', bank=bank, today=AFTER_PHASE)
    )
    assert problem.hint == (
        "the bank switched D-77, D-80, D-81 to 2019 on 2026-11-22 and 2026-11-23 (automatic ISO "
        'version change); declare "2019" (camt.05x.001.08)'
    )


def test_ef110_override_of_an_unknown_delivery(check):
    problem = only(
        check(
            f'users: [{ANNA}]\ndeliveries: {{overrides: [{{delivery: D-7, iso_version: "2019"}}]}}'
        )
    )
    assert problem == Diagnostic(
        "EF110",
        Severity.ERROR,
        "override of unknown delivery 'D-7': client relationship 10432210 has no such delivery",
        "did you mean 'D-79' or 'D-77'?",
        ("deliveries", "overrides", 0, "delivery"),
    )


def test_ef110_an_unknown_delivery_not_close_to_any_after_the_phase_lists_them(check):
    """Nothing was switched for a delivery the bank does not have: EF109 gives the general
    hint."""
    text = f'users: [{ANNA}]\ndeliveries: {{overrides: [{{delivery: X-1, iso_version: "2009"}}]}}'
    assert [(p.code, p.hint) for p in check(text, today=AFTER_PHASE)] == [
        ("EF110", "deliveries of 10432210: D-77, D-79"),
        (
            "EF109",
            'declare "2019" (camt.05x.001.08): after the parallel phase the bank switches every '
            "delivery still on 2009 to 2019 itself (automatic ISO version change)",
        ),
    ]


def test_ef111_client_unknown_at_the_bank_skips_the_bank_checks(check):
    text = f"""
        users:
          - {ANNA}
          - id: bruno.keller
            name: Bruno Keller
            authorizations: {{single: [{{contract: NOPE, profile: read}}]}}
        deliveries: {{overrides: [{{delivery: D-0, iso_version: "2019"}}]}}
        """
    problem = only(check(text, bank=None))
    assert problem == Diagnostic(
        "EF111",
        Severity.ERROR,
        "client relationship 10432210 is unknown at the bank",
        "check the client id: relationships and their contracts are opened by the bank, never "
        "by a declaration",
        ("client", "id"),
    )
    assert check(text, bank=None, bank_known=False) == []


def test_ef112_one_github_login_on_two_users_ignores_case(check):
    problem = only(
        check(
            """
            users:
              - {id: anna.muster, name: Anna, github: anna-m, admin: individual}
              - {id: bruno.keller, name: Bruno, github: Anna-M, admin: individual}
            """
        )
    )
    assert problem == Diagnostic(
        "EF112",
        Severity.ERROR,
        "github login 'Anna-M' of user 'bruno.keller' is already the login of user 'anna.muster'",
        "a GitHub login stands for one e-finance user in reviews: keep it on one user only",
        ("users", 1, "github"),
    )


def test_ef113_user_without_rights_is_a_warning_that_counts_dropped_contracts(check):
    problem = only(
        check(
            """
            users:
              - id: carla.rossi
                name: Carla Rossi
                authorizations:
                  all: {custody: capture, '*': none}
                  exclude: [custody]
            """
        )
    )
    assert problem.severity is Severity.WARNING
    assert problem.code == "EF113"
    assert problem.message == (
        "user 'carla.rossi' is left with no rights at all and no Admin right "
        "(5 contract(s) resolved to none)"
    )
    assert problem.pointer == ("users", 0)


def test_ef113_an_admin_without_rights_is_fine(check):
    assert check("users: [{id: anna.muster, name: Anna, admin: collective}]") == []


def test_ef115_duplicate_api_key_name(check):
    problem = only(
        check(
            f"users: [{ANNA}]\napi_keys: [{{name: erp, user: anna.muster}}, "
            "{name: erp, user: anna.muster}]"
        )
    )
    assert problem == Diagnostic(
        "EF115",
        Severity.ERROR,
        "duplicate API key name 'erp': api_keys[0] already declares it",
        "the name identifies the key at the bank: give each key its own name",
        ("api_keys", 1, "name"),
    )


def test_ef116_override_of_a_pdf_delivery(check):
    problem = only(
        check(
            f'users: [{ANNA}]\ndeliveries: {{overrides: [{{delivery: D-79, iso_version: "2019"}}]}}'
        )
    )
    assert problem == Diagnostic(
        "EF116",
        Severity.ERROR,
        "delivery 'D-79' (statement) has no ISO version: only camt deliveries have one",
        "remove this override; PDF deliveries are not versioned",
        ("deliveries", "overrides", 0, "delivery"),
    )


def test_ef117_unknown_iso_version(check):
    problem = only(check(f'users: [{ANNA}]\ndeliveries: {{iso_version: "2021"}}'))
    assert problem == Diagnostic(
        "EF117",
        Severity.ERROR,
        "unknown ISO version '2021'",
        "ISO versions of the catalog: 2009, 2019",
        ("deliveries", "iso_version"),
    )


def test_problems_come_in_document_order(check):
    problems = check(
        """
        users:
          - id: a
            name: A
            github: same
            authorizations: {copy_from: b, single: [{contract: X, profile: read}]}
          - {id: b, name: B, github: same, authorizations: {copy_from: a}}
          - {id: a, name: A2, admin: individual}
        api_keys: [{name: k, user: nobody}, {name: k, user: a}]
        deliveries: {iso_version: "1999"}
        """,
        today=AFTER_PHASE,
    )
    assert [(p.code, p.pointer) for p in problems] == [
        ("EF106", ("users", 0, "authorizations", "copy_from")),
        ("EF102", ("users", 0, "authorizations", "single", 0, "contract")),
        ("EF113", ("users", 0)),
        ("EF112", ("users", 1, "github")),
        ("EF113", ("users", 1)),
        ("EF101", ("users", 2, "id")),
        ("EF107", ("api_keys", 0, "user")),
        ("EF115", ("api_keys", 1, "name")),
        ("EF108", ("api_keys", 1, "user")),
        ("EF117", ("deliveries", "iso_version")),
    ]


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "expired on 2025-05-31: the plan removes what it grants"),
        (0, "expired on 2025-06-01: the plan removes what it grants"),
        (1, "expires on 2025-06-02, in 1 day: from then on the plan removes what it grants"),
        (2, "expires on 2025-06-03, in 2 days: from then on the plan removes what it grants"),
    ],
    ids=["yesterday", "today", "tomorrow", "in-2-days"],
)
def test_ef120_an_until_that_came_today_has_expired_and_one_tomorrow_is_a_day_away(
    check, days, message
):
    until = TODAY + timedelta(days=days)
    problem = only(check(f"users: [{ANNA[:-1]}, until: '{until.isoformat()}'}}]"))
    assert (problem.code, problem.message) == ("EF120", f"user 'anna.muster' {message}")


@pytest.mark.parametrize(
    ("keys", "named"),
    [(("erp",), "its API key erp"), (("erp", "shop"), "its API keys erp, shop")],
    ids=["one-key", "two-keys"],
)
def test_ef120_of_a_user_names_the_keys_that_end_with_them(check, keys, named):
    text = (
        f"users: [{ANNA[:-1]}, until: '2025-06-03'}}]\napi_keys: ["
        + ", ".join(f"{{name: {key}, user: anna.muster}}" for key in keys)
        + "]"
    )
    problem = only(check(text))
    assert problem.message == (
        "user 'anna.muster' expires on 2025-06-03, in 2 days: from then on the plan removes what"
        f" it grants (and {named})"
    )
