"""The authorisation and deliveries reports: content as data, then the PDF read back with pypdf
(and pdftotext for the large one), in four languages, from the examples' bank seed."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from efctl.catalog import load_catalog
from efctl.reports import formats
from efctl.reports.content import (
    AsOf,
    authorization_report,
    deliveries_report,
    file_name,
    message_identifier,
)
from efctl.reports.customer import report_pdf, shown_id
from efctl.reports.texts import all_texts
from efctl.sandbox import load_bank
from efctl.sandbox.ddl import TABLES
from reconcile.model import ClientState, Contract, Delivery, Signatory, UserState
from reconcile.plan import Action, Change, Resource
from reconcile.resolve import ClientResolution, EffectiveRight, Source, Step, UserResolution

EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "bank"
AS_OF = AsOf(datetime(2026, 11, 28, tzinfo=UTC), with_time=False)
LANGUAGES = ("de", "fr", "it", "en")
NEEDS_POPPLER = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and os.environ.get("CI") != "true",
    reason="needs poppler-utils (pdftoppm, pdftotext; under CI=true it must run)",
)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def bank() -> dict[str, ClientState]:
    return {seeded.state.id: seeded.state for seeded in load_bank(EXAMPLES)}


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def text_of(content: bytes) -> str:
    return "\n".join(pages_of(content))


def test_every_language_has_the_same_report_words_and_every_bank_value_has_one():
    texts = all_texts()

    def keys(node, prefix=""):
        if not isinstance(node, dict):
            return {prefix}
        return {k for key, value in node.items() for k in keys(value, f"{prefix}/{key}")}

    assert all(keys(texts[lang]) == keys(texts["de"]) for lang in LANGUAGES)
    ddl = dict(TABLES)["deliveries"]
    for column, words in (("kind", "delivery_kinds"), ("channel", "channels")):
        values = re.findall(r"'([a-z_.0-9]+)'", ddl.split(f"{column} IN (")[1].split(")")[0])
        assert sorted(texts["en"]["report"][words]) == sorted(values), column
    frequencies = re.findall(r"'([a-z]+)'", ddl.split("frequency IN (")[1].split(")")[0])
    assert sorted(texts["en"]["report"]["frequencies"]) == sorted(frequencies)


@pytest.mark.parametrize(
    ("language", "title", "signatories", "profile", "admin", "page"),
    [
        ("de", "Berechtigungsreport", "Zeichnungsberechtigte (Vollmachten)",
         "Kollektivunterschrift zu zweien", "Admin mit Kollektivunterschrift", "Seite 1 von 3"),
        ("fr", "Rapport des autorisations", "Signataires autorisés (procurations)",
         "signature collective à deux", "Admin à signature collective", "Page 1 sur 3"),
        ("it", "Rapporto delle autorizzazioni", "Firmatari autorizzati (procure)",
         "firma collettiva a due", "Admin con firma collettiva", "Pagina 1 di 3"),
        ("en", "Authorisation report", "Authorised signatories (powers of attorney)",
         "joint signature by two", "Admin, collective signature", "Page 1 of 3"),
    ],
)  # fmt: skip
def test_the_authorisation_report_in_each_language(
    bank, catalog, language, title, signatories, profile, admin, page
):
    report = authorization_report(bank["20145853"], language, AS_OF)
    first = pages_of(report_pdf(report, catalog))[0]
    relationship = all_texts()[language]["report"]["relationship"]
    assert first.startswith(f"{title} ")
    assert f"{relationship} 20145853 – Bärtschi Immobilien AG" in first
    assert formats.day(date(2026, 11, 28), language) in first
    for words in (signatories, profile, admin, page, "Thomas Bärtschi", "regula.zuercher"):
        assert words in first
    assert file_name(report) == f"authorizations-20145853-{language}.pdf"


def test_dates_and_numbers_are_cldr_swiss():
    day = date(2026, 11, 28)
    assert [formats.day(day, lang) for lang in LANGUAGES] == [
        "28. November 2026",
        "28 novembre 2026",
        "28 novembre 2026",
        "28 November 2026",
    ]
    assert [formats.number(2000, lang) for lang in LANGUAGES] == ["2'000"] * 4  # CLDR's _CH
    moment = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)  # 16:30 in Zurich
    assert formats.moment(moment, "de", with_time=True) == "28. November 2026 16:30"


def test_every_user_and_right_of_the_examples_is_in_the_authorisation_report(bank, catalog):
    for state in bank.values():
        report = authorization_report(state, state.language, AS_OF)
        expected = {
            (user.id, contract, profile)
            for user in state.users
            for contract, profile in user.authorizations.items()
        }
        assert {(r.user, r.contract, r.profile) for r in report.rights} == expected
        text = text_of(report_pdf(report, catalog))
        flat = " ".join(text.split())
        for user in state.users:
            assert user.id in text and user.name in text
        for signatory in state.signatories:
            assert signatory.name in text
        for contract in state.contracts:
            assert " ".join(shown_id(contract.id).split()) in flat
        for profile in {r.profile for r in report.rights}:
            assert catalog.label(profile, state.language) in flat
        admins = [u.id for u in state.users if u.admin != "none"]
        assert [row.user for row in report.admins] == sorted(admins)


def test_the_deliveries_report_names_full_iso_messages_and_the_automatic_change(bank, catalog):
    state = bank["40227319"]  # D-502 is still on ISO 2009
    report = deliveries_report(state, catalog, "fr", AS_OF)
    assert [(d.id, d.message, d.automatic_change) for d in report.deliveries][:3] == [
        ("D-501", "camt.053.001.08", False),
        ("D-502", "camt.053.001.04", True),
        ("D-503", "camt.052.001.08", False),
    ]
    text = " ".join(text_of(report_pdf(report, catalog)).split())
    assert "Rapport des livraisons" in text
    assert "D-502" in text and "camt.053.001.04 *" in text
    assert "relevé de fin de journée" in text and "transfert de fichiers" in text
    assert (
        "La phase parallèle des versions ISO a pris fin le 21 novembre 2026. La banque passe "
        "automatiquement les livraisons marquées d'un * à ISO 2019 (camt.05x.001.08)."
    ) in text
    before_the_end = AsOf(datetime(2026, 11, 20, tzinfo=UTC), with_time=False)
    earlier = deliveries_report(state, catalog, "fr", before_the_end)
    assert not any(d.automatic_change for d in earlier.deliveries)
    assert "phase parallèle" not in text_of(report_pdf(earlier, catalog))
    pdf_kind = Delivery("D-9", "X", "statement", None, "ebanking", "monthly")
    assert message_identifier(pdf_kind, None, catalog) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_deliveries_report_in_each_language(bank, catalog, language):
    report = deliveries_report(bank["20145853"], catalog, language, AS_OF)
    text = " ".join(text_of(report_pdf(report, catalog)).split())
    words = all_texts()[language]["report"]
    for expected in (
        words["deliveries"]["title"],
        words["columns"]["message"],
        words["delivery_kinds"]["camt.053"],
        words["delivery_kinds"]["interest_statement"],
        words["frequencies"]["yearly"],
        "camt.054.001.08",
        "CH60 0900 0000 4781 2331 8",
    ):
        assert expected in text, expected


def test_names_in_latin_greek_and_cyrillic_scripts_print(catalog):
    names = ["Zoë Brönnimann", "Łukasz Wójcik", "Søren Ørsted", "Ελένη Παπαδοπούλου", "Пётр Иванов"]
    state = ClientState(
        "10000009",
        "Ørsted & Ελένη AG",
        "en",
        1,
        contracts=(Contract("CH9300762011623852957", "account", "Главный счёт"),),
        signatories=(Signatory(names[3], "individual"),),
        users=tuple(
            UserState(f"u{i}", name, None, "en", None, "none", {"CH9300762011623852957": "read"})
            for i, name in enumerate(names)
        ),
    )
    text = text_of(report_pdf(authorization_report(state, "en", AS_OF), catalog))
    for name in [*names, "Ørsted & Ελένη AG", "Главный счёт"]:
        assert name in text


def big_relationship(users: int, contracts: int) -> ClientState:
    """``users`` users on ``contracts`` accounts, one right each (round robin)."""
    held = tuple(
        Contract(f"CH{i % 97:02d}0900000047812{i:04d}", "account", f"Konto {i}")
        for i in range(contracts)
    )
    return ClientState(
        "10000001",
        "Grossbetrieb Zürich AG",
        "de",
        7,
        contracts=held,
        signatories=(Signatory("Anna Gross", "individual"),),
        users=tuple(
            UserState(
                f"user.{n:04d}",
                f"Benutzerin Nummer {n}",
                None,
                "de",
                None,
                "collective" if n < 3 else "none",
                {held[n % contracts].id: "read"},
            )
            for n in range(users)
        ),
    )


@NEEDS_POPPLER
def test_a_large_relationship_repeats_header_footer_and_table_heading_on_every_page(
    catalog, tmp_path
):
    report = authorization_report(big_relationship(2000, 50), "de", AS_OF)
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(report_pdf(report, catalog))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) > 20
    heading = re.compile(r"^ *Benutzer +Vertrag +Vertragsart +Profil *$", re.M)
    for number, page in enumerate(pages, start=1):
        assert page.lstrip().startswith("Berechtigungsreport"), number
        assert "Kundenbeziehung 10000001 – Grossbetrieb Zürich AG" in page
        assert "Stand: 28. November 2026" in page
        assert f"Seite {number} von {len(pages)}" in page
        assert f"Daten-SHA-256: {report.digest}" in page
        assert "Serial der Bank 7" in page
        assert heading.search(page), f"page {number} has no table heading"
    every = " ".join(text.split())
    assert "2'000 Benutzer, 2'000 Berechtigungen" in every
    assert all(f"user.{n:04d}" in every for n in (0, 999, 1999))


def test_ids_and_ibans_are_never_broken_across_lines(catalog):
    long_id = "a.very.long.user.identifier.of.the.accounting.department.zurich"
    state = ClientState(
        "10000003",
        "Lange Namen GmbH",
        "de",
        1,
        contracts=(
            Contract("CH9300762011623852957", "account", "Ein sehr langer Kontoname " * 3),
            Contract("FT-10000003-2-WITH-A-LONG-SUFFIX", "file_transfer", "Dateitransfer"),
        ),
        users=(
            UserState(
                long_id,
                "Name " * 12,
                None,
                "de",
                None,
                "none",
                {
                    "CH9300762011623852957": "sign_collective",
                    "FT-10000003-2-WITH-A-LONG-SUFFIX": "read",
                },
            ),
        ),
    )
    lines = text_of(report_pdf(authorization_report(state, "de", AS_OF), catalog)).splitlines()
    assert any(long_id in line for line in lines)
    assert any("CH93 0076 2011 6238 5295 7" in line for line in lines)
    assert any("FT-10000003-2-WITH-A-LONG-SUFFIX" in line for line in lines)


def test_same_data_same_bytes_and_the_digest_ignores_language_and_moment(bank, catalog):
    state = bank["20145845"]
    first = report_pdf(authorization_report(state, "de", AS_OF), catalog)
    assert first == report_pdf(authorization_report(state, "de", AS_OF), catalog)
    later = AsOf(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), with_time=True)
    other = authorization_report(state, "it", later)
    assert other.digest == authorization_report(state, "de", AS_OF).digest
    assert "1 dicembre 2026 10:30" in pages_of(report_pdf(other, catalog))[0]
    changed = ClientState(**{**vars(state), "serial": state.serial + 1})
    assert authorization_report(changed, "de", AS_OF).digest != other.digest


def test_the_report_is_pdf_a_2u_dated_as_of(bank, catalog):
    content = report_pdf(deliveries_report(bank["20145853"], catalog, "it", AS_OF), catalog)
    reader = PdfReader(io.BytesIO(content))
    xmp = reader.xmp_metadata
    assert xmp.dc_title == {"x-default": "Rapporto delle forniture"}
    assert xmp.xmp_create_date.isoformat() == "2026-11-28T00:00:00"
    description = xmp.rdf_root.getElementsByTagName("rdf:Description")[0]
    assert description.getAttribute("pdfaid:part") == "2"
    assert description.getAttribute("pdfaid:conformance") == "U"


def test_from_a_plan_the_report_shows_the_state_after_it_and_how_rights_arise(bank, catalog):
    state = bank["20145853"]
    address = "20145853/users"
    changes = (
        Change(f"{address}/kevin.meier/authorizations/CH6009000000478123318", Action.UPDATE,
               Resource.AUTHORIZATION, {"profile": "capture"}, {"profile": "read"}),
        Change(f"{address}/nina.frei", Action.CREATE, Resource.USER, None,
               {"name": "Nina Frei", "email": None, "language": "de", "github": None}),
        Change(f"{address}/nina.frei/authorizations/EB-20145853-1", Action.CREATE,
               Resource.AUTHORIZATION, None, {"profile": "capture"}),
        Change(f"{address}/patrick.zurbriggen/authorizations/EB-20145853-1", Action.DELETE,
               Resource.AUTHORIZATION, {"profile": "capture"}, None),
        Change(f"{address}/martin.gisler/admin", Action.MANUAL, Resource.ADMIN_RIGHT,
               {"admin": "none"}, {"admin": "collective"}),
    )  # fmt: skip
    copied = EffectiveRight("EB", "capture", "capture", Source(Step.ALL, "ebill"))
    copy = Source(Step.COPY, "sandra.mueller", copied)
    resolution = ClientResolution(
        "20145853",
        {
            "kevin.meier": UserResolution("kevin.meier", "none", {
                "CH6009000000478123318": EffectiveRight(
                    "CH6009000000478123318", "read", "read", Source(Step.ALL, "*")),
            }, {}),
            "nina.frei": UserResolution("nina.frei", "none", {
                "EB-20145853-1": EffectiveRight("EB-20145853-1", "capture", "capture", copy),
            }, {}),
            "daniel.wyss": UserResolution("daniel.wyss", "none", {
                "CH9109000000478123342": EffectiveRight(
                    "CH9109000000478123342", "read", "capture", Source(Step.SINGLE),
                    fallback="capture not allowed"),
            }, {}),
        },
    )  # fmt: skip
    report = authorization_report(
        state, "en", AS_OF, changes=changes, resolution=resolution, plan_id="sha256:" + "ab" * 32
    )
    rows = {(r.user, r.contract): r for r in report.rights}
    assert rows["kevin.meier", "CH6009000000478123318"].profile == "read"
    assert rows["nina.frei", "EB-20145853-1"].change.action == "create"
    assert rows["patrick.zurbriggen", "EB-20145853-1"].change.action == "delete"
    text = " ".join(text_of(report_pdf(report, catalog)).split())
    for expected in (
        "State after plan sha256:" + "ab" * 32,
        "Origin",
        "Change by the plan",
        "all authorisations: other contract types",
        "copy of sandra.mueller",
        "single authorisation; fallback instead of capture",
        "was capture",
        "Nina Frei",
        "new",
        "removed",
        "requested on the form: Admin, collective signature",
    ):
        assert expected in text, expected


@NEEDS_POPPLER
@pytest.mark.parametrize("kind", ["authorizations", "deliveries"])
def test_a_page_of_each_report_renders_and_is_not_blank(bank, catalog, tmp_path, kind):
    from PIL import Image

    state = bank["20145853"]
    report = (
        authorization_report(state, "de", AS_OF)
        if kind == "authorizations"
        else deliveries_report(state, catalog, "de", AS_OF)
    )
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(report, catalog))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    page = Image.open(tmp_path / "page-1.png").convert("L")
    assert page.size == (414, 585)  # A4 at 50 dpi
    histogram = page.histogram()
    assert sum(histogram[:128]) > 2000  # dark ink: text and rules
    assert sum(histogram[200:]) > 0.6 * page.width * page.height  # mostly paper
