"""The sandbox bank's status as a short table."""

from __future__ import annotations


def status_text(status: dict) -> str:
    lines = [f"sandbox bank: {status['url']} (schema version {status['schema_version']})"]
    rows = [("client", "name", "serial", "users", "contracts", "pending")]
    rows += [
        (
            c["id"],
            c["name"],
            str(c["serial"]),
            str(c["users"]),
            str(c["contracts"]),
            str(c["pending_orders"]),
        )
        for c in status["clients"]
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"
