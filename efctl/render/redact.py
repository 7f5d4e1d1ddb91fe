"""Personal data in text: find e-mail addresses and IBANs, to mask them or to print them readably.

A pull-request comment leaves the bank's hands (PRIOR-ART.md: atlantis#163), so the markdown view
masks every e-mail address and IBAN wherever it occurs: in names, addresses, notes. Recognition is
by pattern, not by field, so a value cannot slip through because it sits somewhere unexpected.
The JSON and PDF artifacts keep full detail; the terminal view only groups IBANs for reading.

E-mail addresses may be Unicode in both parts (``loredana.cattanèo@müller.example.ch``): a loose
pattern finds candidates, email-validator decides which are addresses. A masked value can hide a
change (``l***@x.ch -> l***@x.ch``), so where a change moves one, ``with_digest`` adds a short
digest of the full address (a masked IBAN keeps its check digits and last four, which already
tell accounts apart): ``printf %s VALUE | sha256sum`` starts with it, so a reviewer who knows
the intended value can check it, and anyone can see that the two sides differ.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

# A candidate: no white space, no @ and none of the characters that delimit an address in text
# (brackets, quotes, commas, backticks, slashes of a path); any letter of any script.
_EMAIL_CHARS = r"[^\s@<>()\[\]{}\\,;:\"`/|]"
EMAIL = re.compile(f"{_EMAIL_CHARS}+@{_EMAIL_CHARS}+")
DIGEST_LENGTH = 6

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
    """``anna.muster@example.ch`` -> ``a***@example.ch``: the domain still tells whose it is.

    The first character, not byte: ``élodie@x.ch`` -> ``é***@x.ch``."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def is_email(text: str) -> bool:
    """Whether ``text`` is one e-mail address (syntax only: no DNS look-up)."""
    from email_validator import EmailNotValidError, validate_email  # loaded when first used

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def digest(value: str) -> str:
    """The first characters of the sha256 of the value (an IBAN without its spaces)."""
    plain = value if "@" in value else _compact(value)
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def sensitive_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Each e-mail address and IBAN in ``text``: its start, its end and the value."""
    for match in SENSITIVE.finditer(text):
        start, value = match.start(), match.group()
        if "@" in value:
            # quotes, a sentence's full stop, markdown emphasis around it are no part of it
            stripped = value.lstrip("'*_~").rstrip(".-'!?*_~")
            start += value.index(stripped)
            value = stripped
            if not is_email(value):
                continue
        elif len(_compact(value)) not in IBAN_LENGTHS:
            continue
        yield start, start + len(value), value


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
    out, start = [], 0
    for begin, end, value in sensitive_spans(text):
        out += [text[start:begin], mask_value(value)]
        start = end
    out.append(text[start:])
    return "".join(out)


def mask_value(value: str) -> str:
    """One e-mail address or IBAN (as sensitive_spans finds them), masked."""
    return mask_email(value) if "@" in value else mask_iban(value)


def with_digest(value: str) -> str:
    """``lea@x.example.ch`` -> ``l***@x.example.ch #ce471f``: masked, yet a change of it stays
    visible; an IBAN only masked."""
    return f"{mask_email(value)} #{digest(value)}" if "@" in value else mask_iban(value)


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
