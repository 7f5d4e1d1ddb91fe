"""`efctl keys list|check` for people: one line per key, the ones expiring within marked."""

from __future__ import annotations


def keys_text(listing: dict, *, check: bool = False) -> str:
    keys = listing["keys"]
    if not keys:
        return "The bank holds no API keys.\n"
    header = ("client", "key", "user", "fingerprint", "expires", "days left", "state")
    rows = [
        (
            k["client"],
            k["name"],
            k["user"],
            k["fingerprint"],
            k["expires"],
            str(k["days_left"]) if k["days_left"] >= 0 else f"expired {-k['days_left']}d ago",
            k["state"],
        )
        for k in keys
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]  # fmt: skip
    expiring = listing["expiring"]
    within = listing["within"]
    if expiring:
        noun = "key expires" if len(expiring) == 1 else "keys expire"
        lines.append(
            f"{len(expiring)} {noun} within {within} days (as of {listing['as_of']}): "
            + ", ".join(expiring)
            + "; plan and apply to rotate"
        )
    elif check:
        lines.append(f"No key expires within {within} days (as of {listing['as_of']}).")
    return "\n".join(lines) + "\n"
