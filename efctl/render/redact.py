"""Personal data in text: find e-mail addresses and IBANs, to mask them or to print them readably.

A pull-request comment leaves the bank's hands (PRIOR-ART.md: atlantis#163), so the markdown view
masks every e-mail address and IBAN wherever it occurs: in names, addresses, notes. Recognition is
by pattern, not by field, so a value cannot slip through because it sits somewhere unexpected.
The JSON and PDF artifacts keep full detail; the terminal view only groups IBANs for reading.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# Country code and check digits, then 11 to 30 characters: compact ("CH5604835012345678009") or
# grouped by four ("CH56 0483 5012 3456 7800 9"). The length is checked in _iban_parts.
IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}"
    r"(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)"
    r"(?![A-Za-z0-9])"
)
IBAN_LENGTHS = range(15, 35)
SENSITIVE = re.compile(f"{EMAIL.pattern}|{IBAN.pattern}")


def mask_email(email: str) -> str:
    """``anna.muster@example.ch`` -> ``a***@example.ch``: the domain still tells whose it is."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def mask_iban(iban: str) -> str:
    """``CH5604835012345678009`` -> ``CH56 **** **** **** *800 9``.

    Country, check digits and the last four stay, so reviewers can still tell accounts apart.
    """
    chars = _compact(iban)
    return _grouped(chars[:4] + "*" * (len(chars) - 8) + chars[-4:])


def format_iban(iban: str) -> str:
    """``CH5604835012345678009`` -> ``CH56 0483 5012 3456 7800 9``, as printed on paper."""
    return _grouped(_compact(iban))


def mask(text: str) -> str:
    """``text`` with every e-mail address and IBAN in it masked."""
    return SENSITIVE.sub(lambda m: mask_match(m.group()), text)


def mask_match(value: str) -> str:
    """One match of SENSITIVE, masked (a too short or too long IBAN look-alike stays)."""
    if "@" in value:
        return mask_email(value)
    return mask_iban(value) if len(_compact(value)) in IBAN_LENGTHS else value


def group_ibans(text: str) -> str:
    """``text`` with every IBAN in it grouped by four, for the terminal."""
    return IBAN.sub(
        lambda m: format_iban(m.group()) if len(_compact(m.group())) in IBAN_LENGTHS else m.group(),
        text,
    )


def _compact(iban: str) -> str:
    return iban.replace(" ", "")


def _grouped(chars: str) -> str:
    return " ".join(chars[i : i + 4] for i in range(0, len(chars), 4))
