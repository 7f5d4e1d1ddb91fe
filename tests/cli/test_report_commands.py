"""`efctl report` and `efctl documents` through the real CLI, in a copy of the examples.

Writing reports reads the bank through the store (SQLite here); ordering documents is the bank's
own business, so those tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from efctl.app.reports import process_due_documents
from efctl.catalog import load_catalog
from efctl.sandbox import OrderRefused, open_store

BOTH = pytest.mark.stores("sqlite", "postgresql")


def text_of(path) -> str:
    return " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages
        ).split()
    )


def test_report_writes_one_pdf_per_relationship_into_reports(examples_repo):
    result = examples_repo.efctl(
        "report", "authorizations", "--client", "2014 5853", "--lang", "it"
    )
    assert result.exit_code == 0, result.output
    written = examples_repo.root / "reports" / "authorizations-20145853-it.pdf"
    (line,) = result.stdout.splitlines()
    assert line.startswith("wrote reports/authorizations-20145853-it.pdf  data sha256:")
    text = text_of(written)
    assert "Rapporto delle autorizzazioni" in text and "Stato al: 20 novembre 2026" in text
    assert "Relazione cliente 20145853 – Bärtschi Immobilien AG" in text

    result = examples_repo.efctl("report", "deliveries", "--out", "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (examples_repo.root / "out").iterdir()) == [
        "deliveries-20145837-de.pdf",
        "deliveries-20145845-de.pdf",
        "deliveries-20145853-de.pdf",
        "deliveries-30518764-it.pdf",
        "deliveries-40227319-fr.pdf",
    ]
    text = text_of(examples_repo.root / "out/deliveries-40227319-fr.pdf")
    assert "D-502" in text and "camt.053.001.04" in text  # the parallel phase is still on
    assert "phase parallèle" not in text


def test_after_the_phase_the_report_says_which_deliveries_the_bank_switched(examples_repo):
    examples_repo.env["EFCTL_TODAY"] = "2026-11-28"  # the bank switches D-502 when opened
    result = examples_repo.efctl("report", "deliveries", "--client", "40227319")
    assert result.exit_code == 0, result.output
    text = text_of(examples_repo.root / "reports/deliveries-40227319-fr.pdf")
    assert (
        "camt.053.001.08 passée automatiquement le 28 novembre 2026, jusqu'ici camt.053.001.04"
        in text
    )


def test_source_date_epoch_sets_the_moment_and_the_bytes_stay_the_same(examples_repo):
    examples_repo.env["SOURCE_DATE_EPOCH"] = "1796295600"  # 2026-12-03 11:00 UTC
    path = examples_repo.root / "reports" / "deliveries-30518764-it.pdf"
    assert examples_repo.efctl("report", "deliveries", "--client", "30518764").exit_code == 0
    first = path.read_bytes()
    assert examples_repo.efctl("report", "deliveries", "--client", "30518764").exit_code == 0
    assert path.read_bytes() == first
    assert "Stato al: 3 dicembre 2026 12:00" in text_of(path)


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["authorizations", "--client", "99999999"],
            "client relationship 99999999 is unknown at the bank",
            "relationships at the bank: 20145837, 20145845, 20145853, 30518764, 40227319",
        ),
        (
            ["deliveries", "--lang", "rm"],
            "--lang rm: efctl's reports are not written in 'rm'",
            "the report languages: de, fr, it, en",
        ),
        (
            ["deliveries", "--out", "efctl.yaml"],
            "--out efctl.yaml: that is a file, not a folder",
            "give a folder you may write to (it is created when missing)",
        ),
        (
            ["deliveries", "--out", "efctl.yaml/reports"],
            "--out efctl.yaml/reports: cannot write reports there: Not a directory",
            "give a folder you may write to (it is created when missing)",
        ),
        (
            ["authorizations", "--from-plan", "efctl.yaml"],
            "efctl.yaml: not a readable plan file: Expecting value: line 1 column 1 (char 0)",
            None,
        ),
    ],
)
def test_bad_input_is_a_clear_error(examples_repo, args, message, hint):
    result = examples_repo.efctl("report", *args)
    assert result.exit_code == 1
    expected = f"efctl: error: {message}\n" + (f"    hint: {hint}\n" if hint else "")
    assert result.stderr == expected
    assert not (examples_repo.root / "reports").exists() or not any(
        (examples_repo.root / "reports").iterdir()
    )


def test_a_plan_that_is_not_a_plan_is_refused(examples_repo):
    examples_repo.write("other.json", json.dumps({"format_version": "4", "clients": []}))
    result = examples_repo.efctl("report", "deliveries", "--from-plan", "other.json")
    assert result.exit_code == 1
    assert result.stderr.startswith("efctl: error: other.json: not a valid efctl plan: ")


def test_from_a_plan_the_changed_relationships_are_reported_after_the_plan(examples_repo):
    assert examples_repo.efctl("plan", "--out", "plan.json").exit_code == 0
    plan = json.loads((examples_repo.root / "plan.json").read_text())
    changed = sorted(c["client"] for c in plan["clients"] if c["changes"])
    result = examples_repo.efctl("report", "authorizations", "--from-plan", "plan.json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name.split("-")[1] for p in (examples_repo.root / "reports").iterdir()) == (
        changed
    )
    text = text_of(examples_repo.root / "reports" / "authorizations-20145853-de.pdf")
    assert f"Zustand nach dem Plan {plan['plan_id']}" in text
    assert "Herkunft" in text and "Kopie von sandra.mueller" in text
    assert "bisher erfassen" in text  # kevin.meier's Mietzinskonto: capture -> read

    result = examples_repo.efctl("report", "deliveries", "--from-plan", "plan.json", "--client",
                                 "40227319")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = text_of(examples_repo.root / "reports" / "deliveries-40227319-fr.pdf")
    assert "jusqu'ici camt.053.001.04" in text and "camt.053.001.04 *" not in text

    examples_repo.write("clients/20145853.yaml", "# edited\n" + (
        examples_repo.root / "clients/20145853.yaml").read_text())  # fmt: skip
    result = examples_repo.efctl("report", "authorizations", "--from-plan", "plan.json")
    assert result.exit_code == 1
    assert result.stderr.startswith("efctl: error: the declarations changed since the plan")


def test_many_relationships_show_a_progress_bar_on_stderr(examples_repo, monkeypatch):
    monkeypatch.setattr("efctl.cli.options.PROGRESS_AFTER", 2)
    result = examples_repo.efctl("report", "deliveries")
    assert result.exit_code == 0
    assert "reports" in result.stderr
    assert len(result.stdout.splitlines()) == 5


@BOTH
def test_order_list_and_fetch_a_document(examples_repo):
    examples_repo.env["EFCTL_DOCUMENT_DELAY"] = "0"
    result = examples_repo.efctl(
        "report", "order", "authorizations", "--client", "20145837", "--as", "hanspeter.imhof"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "ordered 20145837-DOC-1: authorizations of 20145837 in de, by hanspeter.imhof; "
        "the bank processes it at "
    )
    listing = examples_repo.efctl("documents", "list", "--client", "20145837", "--format", "json")
    (document,) = json.loads(listing.stdout)
    assert (document["id"], document["status"], document["ordered_by"]) == (
        "20145837-DOC-1",
        "ready",
        "hanspeter.imhof",
    )
    result = examples_repo.efctl("documents", "get", "20145837-DOC-1", "--out", "doc.pdf")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote doc.pdf (")
    text = text_of(examples_repo.root / "doc.pdf")
    assert "Berechtigungsreport" in text and "Hans-Peter Imhof" in text


@BOTH
def test_ordering_is_refused_without_the_admin_right_or_a_signing_right(examples_repo):
    result = examples_repo.efctl(
        "report", "order", "deliveries", "--client", "20145853", "--as", "kevin.meier"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "efctl: error: kevin.meier may not order documents of relationship 20145853: ordering "
        "needs the Admin right or a signing right (a signatory of the relationship)\n"
        "    hint: ask a user with the Admin right, or a signatory, to order it\n"
    )
    assert examples_repo.efctl("documents", "list").stdout == "no documents ordered\n"


@BOTH
def test_a_document_is_pending_until_the_bank_has_processed_it(examples_repo):
    examples_repo.env["EFCTL_DOCUMENT_DELAY"] = "3600"
    ordered = examples_repo.efctl(
        "report", "order", "deliveries", "--client", "30518764", "--as", "giorgio.rezzonico",
        "--lang", "en",
    )  # fmt: skip
    assert ordered.exit_code == 0, ordered.output
    listing = examples_repo.efctl("documents", "list")
    header, row = listing.stdout.splitlines()
    assert header.split() == ["ID", "CLIENT", "KIND", "LANG", "STATUS", "ORDERED", "BY",
                              "ORDERED", "READY"]  # fmt: skip
    assert row.split()[:6] == ["30518764-DOC-1", "30518764", "deliveries", "en", "pending",
                               "giorgio.rezzonico"]  # fmt: skip
    fetched = examples_repo.efctl("documents", "get", "30518764-DOC-1")
    assert fetched.exit_code == 1
    assert fetched.stderr.startswith("efctl: error: document 30518764-DOC-1 is not ready yet")


@BOTH
def test_the_bank_processes_an_order_when_it_is_due(examples_repo, store_url):
    now = [datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]
    catalog = load_catalog()
    with open_store(store_url, clock=lambda: now[0]) as bank:
        ordered = bank.order_document("40227319", "deliveries", "fr", "gisele.dufour", delay=5)
        assert ordered.due_at == "2026-11-28T09:00:05+00:00"
        now[0] += timedelta(seconds=4)
        assert process_due_documents(bank, catalog) == []
        assert [d.status for d in bank.documents("40227319")] == ["pending"]
        now[0] += timedelta(seconds=1)
        assert process_due_documents(bank, catalog) == ["40227319-DOC-1"]
        assert process_due_documents(bank, catalog) == []  # once
        (ready,) = bank.documents()
        assert (ready.status, ready.ready_at) == ("ready", "2026-11-28T09:00:05+00:00")
        _, content = bank.document("40227319-DOC-1")
        text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
        assert "Rapport des livraisons" in text and "État au: 28 novembre 2026 10:00" in text
        with pytest.raises(OrderRefused, match="no user of relationship 40227319"):
            bank.order_document("40227319", "deliveries", "fr", "nobody", delay=5)
        with pytest.raises(OrderRefused, match="no client relationship 1"):
            bank.order_document("1", "deliveries", "fr", "gisele.dufour", delay=5)


def test_a_report_is_never_written_through_a_symbolic_link(examples_repo, tmp_path):
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"precious")
    (examples_repo.root / "reports").mkdir()
    link = examples_repo.root / "reports" / "authorizations-20145853-it.pdf"
    link.symlink_to(victim)

    result = examples_repo.efctl("report", "authorizations", "--client", "20145853", "--lang", "it")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        f"efctl: error: cannot write {link}: it is a symbolic link, not a regular file",
        "    hint: remove it or choose another path",
    ]
    assert victim.read_bytes() == b"precious"
