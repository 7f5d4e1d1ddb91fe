"""Secrets in a declaration: which values look like one (EF119), and which do not."""

from __future__ import annotations

import pytest

from reconcile.diagnostics import Diagnostic, Severity
from reconcile.secrets import secret_diagnostics, secret_kind

RANDOM = "xK3mP9qL2vN8rT5wZ7yB4cF6hJ1gD0sA"  # 32 characters, three classes


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
        ("-----BEGIN PRIVATE KEY-----", "a private key"),
        ("ghp_" + "a1B2" * 5, "a GitHub token"),
        ("github_pat_" + "a1B2_" * 4, "a GitHub token"),
        ("xoxb-1234567890", "a Slack token"),
        ("AKIA" + "ABCDEFGH12345678", "an AWS access key"),
        ("ASIA" + "ABCDEFGH12345678", "an AWS access key"),
        ("sk_live_" + "a1B2" * 4, "a payment API key"),
        ("pk_test_" + "a1B2" * 4, "a payment API key"),
        ("glpat-" + "a1B2-" * 4, "a GitLab token"),
        ("eyJhbGciOiJI.eyJzdWIiOiIx.sig", "a JSON web token"),
        ("https://anna:hunter22@bank.example.ch/", "a URL with a password"),
        ("postgresql+psycopg://u:p@db/x", "a URL with a password"),
        ("Password = hunter22", "a password or secret"),
        ("api-key: abcd", "a password or secret"),
        ("APIKEY=abcd", "a password or secret"),
        ("pwd:abcd", "a password or secret"),
        (RANDOM, "an API key or token (a long random string)"),
        (f"see {RANDOM}!", "an API key or token (a long random string)"),
    ],
)
def test_a_value_shaped_like_a_secret_is_named_by_its_kind(text, kind):
    assert secret_kind(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "Muster Holding AG",
        "anna.muster@example.ch",
        "-----BEGIN PUBLIC KEY-----",
        "ghp_short1",  # too short for a token
        "xoxb-12345",
        "AKIA" + "ABCDEFGH1234567",  # one character short
        "sk_live_" + "a1B2" * 3,
        "https://bank.example.ch/anna@example",  # no password in it
        "https://anna@bank.example.ch/",
        "token: abc",  # too short to be one
        "the password is in the vault",
        RANDOM[:31],  # too short for a random run
        RANDOM.lower(),  # two classes of characters only
        "Aa1" * 11,  # three classes, but far from random (1.6 bits per character)
        "CH9300762011623852957CH93007620",  # an IBAN and more: two classes
    ],
)
def test_ordinary_values_do_not_look_like_secrets(text):
    assert secret_kind(text) is None


def test_every_secret_of_a_declaration_is_an_error_at_its_place_but_a_public_key():
    declaration = {
        "client": {"id": "10432210", "name": "Muster Holding AG"},
        "users": [
            {"id": "anna", "name": "password=hunter22", "signing_key": "ssh-ed25519 " + RANDOM},
            {"id": "bruno", "email": RANDOM, "count": 3},
        ],
    }
    hint = (
        "remove it, and rotate it if it was ever committed: a declaration is read by "
        "everyone who reads the repository; API keys go to a secret sink at apply"
    )
    assert secret_diagnostics(declaration) == [
        Diagnostic(
            "EF119",
            Severity.ERROR,
            "this value looks like a password or secret: secrets never belong in a declaration",
            hint,
            ("users", 0, "name"),
        ),
        Diagnostic(
            "EF119",
            Severity.ERROR,
            "this value looks like an API key or token (a long random string): secrets never"
            " belong in a declaration",
            hint,
            ("users", 1, "email"),
        ),
    ]


def test_a_random_run_needs_lower_and_upper_case_and_digits():
    assert secret_kind(RANDOM.upper()) is None
    assert secret_kind(RANDOM.lower()) is None


def test_a_run_of_exactly_the_least_entropy_is_a_secret():
    run = "abcdABCD01234567" * 2  # 16 characters twice each: 4 bits per character
    assert secret_kind(run) == "an API key or token (a long random string)"
