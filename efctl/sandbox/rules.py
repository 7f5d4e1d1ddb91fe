"""Rules the bank applies on its own side, which the sandbox bank mirrors."""

from __future__ import annotations

from datetime import date

API_KEY_VALIDITY_YEARS = 2


def api_key_expiry(created: date) -> date:
    """A key is valid two years from creation; one made on 29 February expires on 28 February."""
    year = created.year + API_KEY_VALIDITY_YEARS
    try:
        return created.replace(year=year)
    except ValueError:
        return created.replace(year=year, day=28)
