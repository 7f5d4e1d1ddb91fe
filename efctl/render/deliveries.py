"""`efctl deliveries list` as a terminal shows it, rendered from the JSON it also prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from efctl.render.redact import group_ibans

HEADINGS = ("delivery", "contract", "kind", "channel", "frequency", "ISO", "message", "ISO change")


def deliveries_text(listing: Mapping[str, Any]) -> str:
    clients = listing["clients"]
    if not clients:
        return "No client relationships at the bank.\n"
    rows = [
        _row(delivery, listing["parallel_phase_end"])
        for client in clients
        for delivery in client["deliveries"]
    ]
    widths = [max(len(r[i]) for r in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
    blocks = []
    for client in clients:
        lines = [f"client {client['client']} {client['name']}"]
        if not client["deliveries"]:
            lines.append("  no deliveries")
        else:
            lines += [
                "  " + _line(row, widths)
                for row in [
                    HEADINGS,
                    *(_row(d, listing["parallel_phase_end"]) for d in client["deliveries"]),
                ]
            ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def iso_change_text(delivery: Mapping[str, Any], phase_end: str) -> str:
    match delivery["iso_status"]:
        case "parallel_phase":
            return f"parallel phase until {phase_end}"
        case "switched":
            on, was = delivery["switched_on"], delivery["switched_from"]
            return f"switched automatically on {on} (was {was})"
        case "due":
            return "due for the automatic change"
        case "current":
            return "current"
    return "-"


def _row(delivery: Mapping[str, Any], phase_end: str) -> tuple[str, ...]:
    kind = delivery["kind"] + (f" {delivery['variant']}" if delivery["variant"] else "")
    return (
        delivery["delivery"],
        group_ibans(delivery["contract"]),
        kind,
        delivery["channel"],
        delivery["frequency"],
        delivery["iso_version"] or "-",
        delivery["message"] or "-",
        iso_change_text(delivery, phase_end),
    )


def _line(row: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
