"""Masking and formatting of e-mail addresses and IBANs, wherever they occur in a text."""

from __future__ import annotations

import pytest

from efctl.render.redact import (
    digest,
    format_iban,
    group_ibans,
    is_email,
    mask,
    mask_email,
    mask_iban,
    with_digest,
)


def test_mask_email_keeps_the_first_letter_and_the_domain():
    assert mask_email("anna.muster@example.ch") == "a***@example.ch"


@pytest.mark.parametrize(
    ("iban", "masked"),
    [
        ("CH5604835012345678009", "CH56 **** **** **** *800 9"),
        ("CH56 0483 5012 3456 7800 9", "CH56 **** **** **** *800 9"),
        ("DE89370400440532013000", "DE89 **** **** **** **30 00"),
        ("LI21088100002324013AA", "LI21 **** **** **** *13A A"),
    ],
)
def test_mask_iban_keeps_country_check_digits_and_the_last_four(iban, masked):
    assert mask_iban(iban) == masked


def test_format_iban_groups_by_four():
    assert format_iban("CH5604835012345678009") == "CH56 0483 5012 3456 7800 9"


def test_mask_finds_every_address_and_iban_in_a_text():
    text = (
        "10432210/users/bruno.keller/authorizations/CH5604835012345678009; "
        "fallback: sign_individual not allowed on CH93 0076 2011 6238 5295 7 (account), "
        "mail anna.muster@example.ch or b.keller+bank@mail.muster-holding.ch."
    )
    assert mask(text) == (
        "10432210/users/bruno.keller/authorizations/CH56 **** **** **** *800 9; "
        "fallback: sign_individual not allowed on CH93 **** **** **** *295 7 (account), "
        "mail a***@example.ch or b***@mail.muster-holding.ch."
    )


@pytest.mark.parametrize(
    "text",
    [
        "EB-10432210-1",
        "D-77 camt.053 2019",
        "sha256:3f9a6c0e1b2d4f583f9a6c0e1b2d4f583f9a6c0e1b2d4f583f9a6c0e1b2d4f58",
        "commit 9c4e2f1a7b3d5e6f8091a2b3c4d5e6f708192a3b",
        "CH12 3456 7890",  # too short for an IBAN
        "user@localhost",  # no domain
        "CH56 **** **** **** *800 9 and a***@example.ch",  # already masked
    ],
)
def test_mask_leaves_other_text_alone(text):
    assert mask(text) == text


def test_mask_is_idempotent():
    once = mask("anna.muster@example.ch CH5604835012345678009")
    assert mask(once) == once == "a***@example.ch CH56 **** **** **** *800 9"


def test_group_ibans_formats_only_ibans():
    text = "fallback on CH9300762011623852957 (account), EB-10432210-1"
    assert group_ibans(text) == "fallback on CH93 0076 2011 6238 5295 7 (account), EB-10432210-1"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("loredana.cattanèo@example.ch", "l***@example.ch"),
        ("élodie.brandt@example.ch", "é***@example.ch"),
        ("jürg.müller@müller-söhne.example.ch", "j***@müller-söhne.example.ch"),
        ("用户@例子.广告", "用***@例子.广告"),
        ("mail: 'anna.muster@example.ch'.", "mail: 'a***@example.ch'."),
        (
            "(loredana.cattanèo@example.ch), **zoë@example.ch**",
            "(l***@example.ch), **z***@example.ch**",
        ),
    ],
)
def test_mask_hides_the_whole_local_part_of_any_unicode_address(text, masked):
    assert mask(text) == masked


def test_mask_leaves_text_with_an_at_sign_that_is_no_address_alone():
    assert mask("meet @ 10:00, user@localhost, a@b") == "meet @ 10:00, user@localhost, a@b"


def test_is_email_is_email_validator_without_dns():
    assert is_email("loredana.cattanèo@example.ch")
    assert not is_email("anna.muster@example.ch.")
    assert not is_email("user@localhost")


def test_with_digest_keeps_a_change_of_a_masked_value_visible():
    before, after = "lea@x.example.ch", "lea.p@x.example.ch"
    assert mask_email(before) == mask_email(after)
    assert with_digest(before) == "l***@x.example.ch #ce471f"
    assert with_digest(after) == "l***@x.example.ch #3adaed"
    assert with_digest("CH5604835012345678009") == "CH56 **** **** **** *800 9"


def test_the_digest_is_the_start_of_the_sha256_of_the_value():
    # printf %s lea@x.example.ch | sha256sum
    assert digest("lea@x.example.ch") == "ce471f"
    assert digest("CH56 0483 5012 3456 7800 9") == digest("CH5604835012345678009")
