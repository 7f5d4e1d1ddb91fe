"""The bank's automatic ISO version change (``efctl sandbox tick``, and on opening) and the
deliveries overview, on SQLite and PostgreSQL.

The examples' 40227319 has D-502 on 2009 at the bank. The parallel phase ends at the end of
2026-11-21 (the catalog's date, as EF109 judges it): on that day nothing switches, from
2026-11-22 on the bank switches it once, as its own executed order in the audit chain.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from test_concurrent_apply import efctl_process

from efctl.app.sandbox import tick_on_open
from efctl.catalog import load_catalog
from efctl.sandbox import SandboxError

# The store's part (the switch itself, on opening, concurrently) on both engines; the views
# of its result read the bank through the same store interface, on SQLite.
BOTH = pytest.mark.stores("sqlite", "postgresql")

SWITCHED = (
    "automatic ISO version change on 2026-11-22 (the parallel phase ended on 2026-11-21):\n"
    "  40227319  D-502  camt.053  2009 -> 2019  order 40227319-1\n"
    "Switched 1 delivery in 1 relationship; each relationship's serial moved by one.\n"
)
NOTE = (
    "the bank switched 1 delivery from ISO 2009 to 2019 on 2026-11-22, after the parallel "
    "phase: D-502 (camt.053)"
)


def state(repo) -> tuple:
    """What the tick may change: D-502's version, 40227319's serial, the audit chain."""
    listing = json.loads(
        repo.efctl("deliveries", "list", "--client", "40227319", "--format", "json").stdout
    )
    (client,) = listing["clients"]
    d502 = next(d for d in client["deliveries"] if d["delivery"] == "D-502")
    status = json.loads(repo.efctl("sandbox", "status", "--format", "json").stdout)
    serial = next(c["serial"] for c in status["clients"] if c["id"] == "40227319")
    audit = json.loads(repo.efctl("audit", "show", "--format", "json").stdout)
    return d502["iso_version"], d502["iso_status"], serial, len(audit)


def test_until_the_end_of_the_last_day_of_the_phase_nothing_switches(examples_repo):
    for day in ("2026-11-20", "2026-11-21"):
        ticked = examples_repo.efctl("sandbox", "tick", "--today", day)
        assert (ticked.exit_code, ticked.stderr) == (0, "")
        assert ticked.stdout == (
            f"nothing to do on {day}: the parallel phase of the ISO versions lasts until the end "
            "of 2026-11-21; the bank switches the remaining deliveries to 2019 after it\n"
        )
        assert state(examples_repo) == ("2009", "parallel_phase", 12, 0)


@BOTH
def test_the_day_after_the_bank_switches_once_as_its_own_audited_order(examples_repo):
    ticked = examples_repo.efctl("sandbox", "tick", "--today", "2026-11-22")
    assert (ticked.exit_code, ticked.stdout, ticked.stderr) == (0, SWITCHED, "")
    after = state(examples_repo)
    assert after == ("2019", "switched", 13, 1)

    again = examples_repo.efctl("sandbox", "tick", "--today", "2026-11-23", "--format", "json")
    assert (again.exit_code, json.loads(again.stdout)) == (
        0,
        {
            "today": "2026-11-23",
            "parallel_phase_end": "2026-11-21",
            "due": True,
            "iso_version": "2019",
            "switched": [],
        },
    )
    assert state(examples_repo) == after  # idempotent

    (entry,) = json.loads(examples_repo.efctl("audit", "show", "--format", "json").stdout)
    assert {k: entry[k] for k in ("seq", "client", "order_id", "plan_id", "maker", "checkers")} == {
        "seq": 1,
        "client": "40227319",
        "order_id": "40227319-1",
        "plan_id": None,
        "maker": "the bank",
        "checkers": [],
    }
    shown = examples_repo.efctl("audit", "show").stdout.splitlines()[1].split()
    assert (shown[2], shown[3], shown[4], shown[5], shown[6], shown[7]) == (
        "40227319", "the", "bank", "-", "bank", entry["hash"][:19] + "…",
    )  # fmt: skip
    verified = examples_repo.efctl("audit", "verify")
    assert verified.exit_code == 0
    assert verified.stdout.startswith("audit chain intact: 1 entry, last hash sha256:")


@BOTH
def test_opening_the_bank_after_the_phase_switches_by_itself_once(examples_repo):
    examples_repo.env["EFCTL_TODAY"] = "2026-11-28"
    first = examples_repo.efctl("sandbox", "status")
    assert first.exit_code == 0
    assert first.stderr == (
        "efctl: the sandbox bank switched 1 delivery of 1 relationship to ISO 2019 on 2026-11-28"
        " (automatic ISO version change: the parallel phase ended on 2026-11-21): 40227319 D-502\n"
    )
    assert first.stdout.splitlines()[-1].split()[-4] == "13"  # 40227319's serial, was 12
    second = examples_repo.efctl("sandbox", "status")
    assert (second.exit_code, second.stderr, second.stdout) == (0, "", first.stdout)


def test_the_plan_after_the_switch_shows_the_bank_change_not_drift(examples_repo):
    """40227319's declaration asks 2019 (its # NOTE): before the switch the plan changes D-502;
    after it nothing changes, and the plan says what the bank did, in every view."""
    before = examples_repo.efctl("plan", "--client", "40227319", "--format", "json")
    assert [c["address"] for c in json.loads(before.stdout)["clients"][0]["changes"]] == [
        "40227319/deliveries/D-502"
    ]
    examples_repo.efctl("sandbox", "tick", "--today", "2026-11-22")

    text = examples_repo.efctl("plan", "--client", "40227319", "--detailed-exitcode")
    assert (text.exit_code, text.stderr) == (0, "")
    assert text.stdout == (
        "client 40227319 Rochat & Dufour SA (serial 13): no changes\n"
        "  automatic ISO version change: the bank switched 1 delivery from ISO 2009 to 2019 on\n"
        "    2026-11-22, after the parallel phase: D-502 (camt.053)\n"
        "\n"
        "No changes. The bank matches the declarations.\n"
    )
    planned = examples_repo.efctl("plan", "--client", "40227319", "--out", "plan.json")
    assert planned.exit_code == 0
    (client,) = json.loads(Path("plan.json").read_text(encoding="utf-8"))["clients"]
    assert (client["changes"], client["notes"]) == (
        [],
        [
            {
                "kind": "automatic_iso_change",
                "text": NOTE,
                "data": {
                    "on": "2026-11-22",
                    "iso_version": "2019",
                    "deliveries": [{"delivery": "D-502", "kind": "camt.053", "from": "2009"}],
                },
            }
        ],
    )
    markdown = examples_repo.efctl("show", "plan.json", "--format", "markdown")
    assert (
        "> [!NOTE]\n> **40227319 Rochat &amp; Dufour SA: automatic ISO version change.** Made by "
        f"the bank on its own, not drift: {NOTE}.\n" in markdown.stdout
    )
    assert "drift" not in text.stdout


def test_a_declaration_still_on_2009_is_told_what_the_bank_did(examples_repo):
    path = examples_repo.root / "clients" / "40227319.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('iso_version: "2019"', 'iso_version: "2009"'),
        encoding="utf-8",
    )
    examples_repo.efctl("sandbox", "tick", "--today", "2026-11-22")
    examples_repo.env["EFCTL_TODAY"] = "2026-11-28"
    validated = examples_repo.efctl("validate", "clients/40227319.yaml")
    assert validated.exit_code == 1
    assert validated.stderr == (
        "clients/40227319.yaml:9:16: error EF109: ISO version 2009 is no longer accepted: the "
        "parallel phase ended on 2026-11-21\n"
        "    hint: the bank switched D-502 to 2019 on 2026-11-22 (automatic ISO version change);"
        ' declare "2019" (camt.05x.001.08)\n'
        "1 error, 0 warnings in 1 file\n"
    )


DELIVERIES_TEXT = """\
client 40227319 Rochat & Dufour SA
  delivery  contract                    kind                  channel        frequency  ISO   message          ISO change
  D-501     CH77 0900 0000 3188 5046 7  camt.053              file_transfer  daily      2019  camt.053.001.08  {current}
  D-502     CH55 0900 0000 3188 5047 5  camt.053              file_transfer  daily      {v}  {message}  {d502}
  D-503     CH77 0900 0000 3188 5046 7  camt.052 incremental  file_transfer  intraday   2019  camt.052.001.08  {current}
  D-504     CH77 0900 0000 3188 5046 7  camt.054 collective   file_transfer  daily      2019  camt.054.001.08  {current}
  D-505     CH55 0900 0000 3188 5047 5  camt.054 detailed     ebanking       daily      2019  camt.054.001.08  {current}
  D-506     CH77 0900 0000 3188 5046 7  statement             ebanking       monthly    -     -                -
  D-507     CH77 0900 0000 3188 5046 7  interest_statement    ebanking       yearly     -     -                -
  D-508     CH55 0900 0000 3188 5047 5  payment_confirmation  ebanking       daily      -     -                -
"""  # noqa: E501


AFTER_TEXT = """\
client 40227319 Rochat & Dufour SA
  delivery  contract                    kind                  channel        frequency  ISO   message          ISO change
  D-501     CH77 0900 0000 3188 5046 7  camt.053              file_transfer  daily      2019  camt.053.001.08  current
  D-502     CH55 0900 0000 3188 5047 5  camt.053              file_transfer  daily      2019  camt.053.001.08  switched automatically on 2026-11-22 (was 2009)
  D-503     CH77 0900 0000 3188 5046 7  camt.052 incremental  file_transfer  intraday   2019  camt.052.001.08  current
  D-504     CH77 0900 0000 3188 5046 7  camt.054 collective   file_transfer  daily      2019  camt.054.001.08  current
  D-505     CH55 0900 0000 3188 5047 5  camt.054 detailed     ebanking       daily      2019  camt.054.001.08  current
  D-506     CH77 0900 0000 3188 5046 7  statement             ebanking       monthly    -     -                -
  D-507     CH77 0900 0000 3188 5046 7  interest_statement    ebanking       yearly     -     -                -
  D-508     CH55 0900 0000 3188 5047 5  payment_confirmation  ebanking       daily      -     -                -
"""  # noqa: E501


def test_deliveries_list_before_and_after_the_switch(examples_repo):
    phase = "parallel phase until 2026-11-21"
    listed = examples_repo.efctl("deliveries", "list", "--client", "4022 7319")
    assert (listed.exit_code, listed.stderr) == (0, "")
    assert listed.stdout == DELIVERIES_TEXT.format(
        current=phase, v="2009", message="camt.053.001.04", d502=phase
    )
    examples_repo.efctl("sandbox", "tick", "--today", "2026-11-22")
    examples_repo.env["EFCTL_TODAY"] = "2026-11-28"
    listed = examples_repo.efctl("deliveries", "list", "--client", "40227319")
    assert listed.stdout == AFTER_TEXT
    as_json = json.loads(
        examples_repo.efctl("deliveries", "list", "--client", "40227319", "--format", "json").stdout
    )
    assert (as_json["today"], as_json["parallel_phase_end"]) == ("2026-11-28", "2026-11-21")
    (client,) = as_json["clients"]
    assert (client["client"], client["name"]) == ("40227319", "Rochat & Dufour SA")
    assert client["deliveries"][1:3] == [
        {
            "delivery": "D-502",
            "contract": "CH5509000000318850475",
            "contract_name": client["deliveries"][1]["contract_name"],
            "kind": "camt.053",
            "variant": None,
            "channel": "file_transfer",
            "frequency": "daily",
            "iso_version": "2019",
            "message": "camt.053.001.08",
            "iso_status": "switched",
            "switched_on": "2026-11-22",
            "switched_from": "2009",
        },
        {
            "delivery": "D-503",
            "contract": "CH7709000000318850467",
            "contract_name": client["deliveries"][2]["contract_name"],
            "kind": "camt.052",
            "variant": "incremental",
            "channel": "file_transfer",
            "frequency": "intraday",
            "iso_version": "2019",
            "message": "camt.052.001.08",
            "iso_status": "current",
            "switched_on": None,
            "switched_from": None,
        },
    ]
    pdf = client["deliveries"][-1]
    assert (pdf["iso_version"], pdf["message"], pdf["iso_status"]) == (None, None, None)


def test_bad_input_is_a_clear_error(examples_repo):
    bad_day = examples_repo.efctl("sandbox", "tick", "--today", "2026-13-01")
    assert (bad_day.exit_code, bad_day.stdout) == (1, "")
    assert bad_day.stderr == (
        "efctl: error: --today '2026-13-01' is not a date\n"
        "    hint: use YYYY-MM-DD, for example 2026-11-22\n"
    )
    unknown = examples_repo.efctl("deliveries", "list", "--client", "99")
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert unknown.stderr == (
        "efctl: error: client relationship 99 is unknown at the bank\n"
        "    hint: relationships at the bank: 20145837, 20145845, 20145853, 30518764, 40227319\n"
    )
    assert state(examples_repo) == ("2009", "parallel_phase", 12, 0)


@BOTH
def test_a_tick_and_an_opening_at_once_switch_each_delivery_once(examples_repo):
    """Two processes after the phase, one ticking, one opening the bank for a command: each
    relationship gets one order of the bank, each delivery is switched once (by one of them),
    and the audit chain stays one chain."""
    seed = examples_repo.root / "bank" / "20145845.yaml"
    seed.write_text(
        seed.read_text(encoding="utf-8").replace(
            'D-304, contract: CH9409000000478121057, kind: camt.053, iso_version: "2019"',
            'D-304, contract: CH9409000000478121057, kind: camt.053, iso_version: "2009"',
        ),
        encoding="utf-8",
    )
    assert examples_repo.efctl("sandbox", "reset").exit_code == 0
    examples_repo.env["EFCTL_TODAY"] = "2026-11-22"
    runs = [
        efctl_process(examples_repo, "sandbox", "tick", "--format", "json"),
        efctl_process(examples_repo, "sandbox", "status"),
    ]
    (tick_code, tick_out, tick_err), (status_code, _, status_err) = [
        (run.wait(timeout=60), *run.communicate()) for run in runs
    ]
    assert (tick_code, tick_err, status_code) == (0, "", 0), (tick_err, status_err)
    by_tick = [
        f"{s['client']} {d['delivery']}"
        for s in json.loads(tick_out)["switched"]
        for d in s["deliveries"]
    ]
    by_opening = status_err.rpartition("): ")[2].strip().split(", ") if status_err else []
    assert sorted(by_tick + by_opening) == ["20145845 D-304", "40227319 D-502"]
    audit = json.loads(examples_repo.efctl("audit", "show", "--format", "json").stdout)
    assert sorted((e["order_id"], e["maker"]) for e in audit) == [
        ("20145845-1", "the bank"),
        ("40227319-1", "the bank"),
    ]
    assert examples_repo.efctl("audit", "verify").exit_code == 0


def test_a_bank_that_cannot_write_is_read_as_it_is_with_a_warning():
    """A read-only role (plan and drift in CI) must not fail a plan for the bank's own batch."""

    class ReadOnly:
        def automatic_iso_change(self, newest, on):
            raise SandboxError("the sandbox bank at X failed: permission denied for table clients")

    lines: list[str] = []
    tick_on_open(ReadOnly(), load_catalog(), date(2026, 11, 22), lines.append)
    assert lines == [
        "efctl: warning: the sandbox bank could not make its automatic ISO version change: the"
        " sandbox bank at X failed: permission denied for table clients"
    ]
    tick_on_open(ReadOnly(), load_catalog(), date(2026, 11, 21), lines.append)  # not due
    assert len(lines) == 1
