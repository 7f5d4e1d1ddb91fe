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


def tick_text(ticked: dict) -> str:
    """`efctl sandbox tick`: what the bank switched, or why nothing."""
    end, today, version = ticked["parallel_phase_end"], ticked["today"], ticked["iso_version"]
    if not ticked["due"]:
        return (
            f"nothing to do on {today}: the parallel phase of the ISO versions lasts until the "
            f"end of {end}; the bank switches the remaining deliveries to {version} after it\n"
        )
    if not ticked["switched"]:
        return (
            f"nothing to switch on {today}: every camt delivery is on ISO {version} (the "
            f"parallel phase ended on {end})\n"
        )
    lines = [f"automatic ISO version change on {today} (the parallel phase ended on {end}):"]
    rows = [
        (s["client"], d["delivery"], d["kind"], f"{d['from']} -> {version}", f"order {s['order']}")
        for s in ticked["switched"]
        for d in s["deliveries"]
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    count, clients = len(rows), len(ticked["switched"])
    lines.append(
        f"Switched {count} deliver{'y' if count == 1 else 'ies'} in {clients} "
        f"relationship{'' if clients == 1 else 's'}; each relationship's serial moved by one."
    )
    return "\n".join(lines) + "\n"
