"""The Admin-right form: its words in four languages, its content read back with pypdf, and the
forms apply writes (the bank they read is SQLite; tests/sandbox covers both engines)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from efctl.app import Application
from efctl.app.apply import ApplyReport
from efctl.catalog import load_catalog
from efctl.config import Settings
from efctl.errors import EfctlError
from efctl.reports.admin_form import (
    admin_form_pdf,
    admin_requests,
    signing_rule,
    write_admin_forms,
)
from efctl.reports.texts import all_texts
from reconcile.apply import ClientResult, Outcome
from reconcile.model import ClientState, Signatory, UserState
from reconcile.plan import Action, Change, Resource

TODAY = date(2026, 11, 28)
CLIENT = "10000002"

FAVRE = ClientState(
    id=CLIENT,
    name="Fiduciaire Gisèle Favre SA",
    language="fr",
    serial=3,
    signatories=(
        Signatory("Gisèle Favre", "individual"),
        Signatory("Hélène Müller", "collective"),
        Signatory("Urs Bärtschi", "collective"),
    ),
    users=(
        UserState("gisele.favre", "Gisèle Favre", None, "fr", None, "individual", {}),
        UserState("jose.lopez", "José Lòpez", None, "fr", None, "none", {}),
    ),
)


def admin(user: str, before: str, after: str, client: str = CLIENT) -> Change:
    return Change(
        f"{client}/users/{user}/admin",
        Action.MANUAL,
        Resource.ADMIN_RIGHT,
        {"admin": before},
        {"admin": after},
        ("the bank changes the Admin right only on the signed form",),
    )


CHANGES = (
    admin("jose.lopez", "none", "collective"),
    Change(f"{CLIENT}/deliveries/D-1", Action.MANUAL, Resource.DELIVERY, None, {"channel": "post"}),
    admin("gisele.favre", "individual", "collective"),
)


def pdf_lines(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_language_of_the_catalog_has_the_same_texts():
    texts = all_texts()
    assert sorted(texts) == sorted(load_catalog().languages)

    def keys(node, prefix=""):
        if not isinstance(node, dict):
            return {prefix}
        return {k for key, value in node.items() for k in keys(value, f"{prefix}/{key}")}

    assert all(keys(texts[language]) == keys(texts["de"]) for language in texts)


def test_the_form_in_french_names_users_rights_signatories_and_date(catalog):
    lines = pdf_lines(admin_form_pdf(FAVRE, CHANGES, catalog, "fr", TODAY))
    assert lines[:3] == [
        "Attribution/modification du droit Admin électronique",
        "Relation client: 10000002 – Fiduciaire Gisèle Favre SA",
        "Date: 28.11.2026",
    ]
    table = lines.index("Nom ID utilisateur Droit Admin actuel Droit Admin demandé")
    assert lines[table + 1 : table + 3] == [
        "José Lòpez jose.lopez pas de droit Admin Admin à signature collective",
        "Gisèle Favre gisele.favre Admin à signature individuelle Admin à signature collective",
    ]
    signatures = lines.index("Signatures des signataires autorisés")
    assert lines[signatures + 1 :] == [
        "Requis : la signature d'une personne à signature individuelle ou deux signatures, dont"
        " au moins une à signature",
        "collective à deux.",
        "Gisèle Favre",
        "signature individuelle",
        "Lieu, date Signature",
        "Hélène Müller",
        "signature collective à deux",
        "Lieu, date Signature",
        "Urs Bärtschi",
        "signature collective à deux",
        "Lieu, date Signature",
        "Page 1/1",
    ]
    assert "channel" not in " ".join(lines)


def test_the_same_form_in_german(catalog):
    lines = pdf_lines(admin_form_pdf(FAVRE, CHANGES, catalog, "de", TODAY))
    assert lines[:3] == [
        "Erteilung/Änderung des elektronischen Admin-Rechts",
        "Kundenbeziehung: 10000002 – Fiduciaire Gisèle Favre SA",
        "Datum: 28.11.2026",
    ]
    assert "José Lòpez jose.lopez kein Admin-Recht Admin mit Kollektivunterschrift" in lines
    assert (
        "Gisèle Favre gisele.favre Admin mit Einzelunterschrift Admin mit Kollektivunterschrift"
        in lines
    )
    assert (lines[lines.index("Hélène Müller") : lines.index("Hélène Müller") + 3]) == [
        "Hélène Müller",
        "Kollektivunterschrift zu zweien",
        "Ort, Datum Unterschrift",
    ]
    assert lines[-1] == "Seite 1/1"


def test_the_form_is_the_same_bytes_for_the_same_input(catalog):
    first = admin_form_pdf(FAVRE, CHANGES, catalog, "it", TODAY)
    assert first == admin_form_pdf(FAVRE, CHANGES, catalog, "it", TODAY)
    assert first.startswith(b"%PDF-")
    assert PdfReader(io.BytesIO(first)).xmp_metadata.dc_title == {
        "x-default": "Conferimento/modifica del diritto Admin elettronico"
    }


def test_users_the_bank_does_not_hold_yet_are_named_from_names_or_by_id(catalog):
    changes = (admin("dora.meier", "none", "individual"), admin("zoe.weber", "none", "collective"))
    requests = admin_requests(FAVRE, changes, catalog, "en", {"dora.meier": "Dora Meier"})
    assert [(r.user, r.name, r.current, r.requested) for r in requests] == [
        ("dora.meier", "Dora Meier", "no Admin right", "Admin, individual signature"),
        ("zoe.weber", "zoe.weber", "no Admin right", "Admin, collective signature"),
    ]


def test_without_signatories_the_form_has_blank_signature_fields(catalog):
    state = ClientState(CLIENT, "Favre SA", "en", 1, users=FAVRE.users)
    lines = pdf_lines(admin_form_pdf(state, CHANGES, catalog, "en", TODAY))
    signatures = lines.index("Signatures of the authorised signatories")
    assert lines[signatures + 1 :] == [
        "Required: signatures as the relationship's signing rule requires.",
        "Name:",
        "Place, date Signature",
        "Name:",
        "Place, date Signature",
        "Page 1/1",
    ]


def test_many_signatories_run_onto_a_second_page_whole(catalog):
    many = tuple(Signatory(f"Signataire {n}", "collective") for n in range(8))
    state = ClientState(CLIENT, FAVRE.name, "fr", 1, signatories=many, users=FAVRE.users)
    reader = PdfReader(io.BytesIO(admin_form_pdf(state, CHANGES, catalog, "fr", TODAY)))
    first, second = (page.extract_text().splitlines() for page in reader.pages)
    assert first[-4:] == [
        "Signataire 3",
        "signature collective à deux",
        "Lieu, date Signature",
        "Page 1/2",
    ]
    assert second[:3] == ["Signataire 4", "signature collective à deux", "Lieu, date Signature"]
    assert second[-1] == "Page 2/2"


def test_no_admin_change_and_unknown_language_are_refused(catalog):
    with pytest.raises(ValueError, match="no Admin-right change for relationship 10000002"):
        admin_form_pdf(FAVRE, CHANGES[1:2], catalog, "fr", TODAY)
    with pytest.raises(EfctlError) as caught:
        admin_form_pdf(FAVRE, CHANGES, catalog, "rm", TODAY)
    assert (caught.value.message, caught.value.hint) == (
        "efctl's documents have no texts in language 'rm'",
        "the documents are written in de, fr, it, en",
    )


SEED = """\
version: 1
client: {id: "10000001", name: Bärtschi Holzbau AG, language: de}
contracts:
  - {id: CH9300762011623852957, type: account, name: Betriebskonto}
signatories:
  - {name: Urs Bärtschi, signature: individual}
users:
  - {id: urs.baertschi, name: Urs Bärtschi, admin: individual}
  - {id: egon.huber, name: Egon Huber}
orders:
  - id: WEB-1
    maker: urs.baertschi
    created: "2025-05-02T09:00:00Z"
    changes:
      - address: 10000001/users/dora.meier
        action: create
        resource: user
        after: {name: Dora Meier, language: fr}
"""

OTHER = """\
version: 1
client: {id: "10000003", name: Rossi & Figli SA, language: it}
users:
  - {id: carla.rossi, name: Carla Rossi, admin: individual}
"""


@pytest.fixture
def workspace(tmp_path, store_url):
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "10000001.yaml").write_text(SEED, encoding="utf-8")
    (tmp_path / "bank" / "10000003.yaml").write_text(OTHER, encoding="utf-8")
    settings = Settings(
        root=tmp_path,
        clients=(),
        seed=tmp_path / "bank",
        bank_url=store_url,
        catalog=None,
        today=TODAY,
    )
    ws = Application(settings, notify=lambda _: None)
    ws.sandbox_init(None)  # PostgreSQL is filled only by `efctl sandbox init`
    yield ws
    ws.close()


def test_apply_writes_one_form_per_relationship_with_admin_changes(workspace, tmp_path):
    a = "10000001"
    report = ApplyReport(
        "sha256:" + "ef" * 32,
        (
            ClientResult(
                a,
                Outcome.PENDING_AT_BANK,
                "the bank keeps order 10000001-2 pending",
                "10000001-2",
                manual=(
                    admin("egon.huber", "none", "collective", a),
                    admin("dora.meier", "none", "individual", a),
                ),
            ),
            ClientResult("10000003", Outcome.APPLIED, "order 10000003-1 executed", "10000003-1"),
            ClientResult("10000004", Outcome.NEEDS_APPROVAL, "needs a reviewer"),
        ),
    )
    out = tmp_path / "artifacts"
    written = write_admin_forms(
        report.results, workspace.bank, workspace.catalog, TODAY, out, plan_id=report.plan_id
    )
    assert written == [out / "admin-right-form-10000001.pdf"]
    assert sorted(p.name for p in out.iterdir()) == ["admin-right-form-10000001.pdf"]
    lines = pdf_lines((out / "admin-right-form-10000001.pdf").read_bytes())
    assert lines[:5] == [
        "Erteilung/Änderung des elektronischen Admin-Rechts",
        "Kundenbeziehung: 10000001 – Bärtschi Holzbau AG",
        "Datum: 28.11.2026",
        f"Antrag aus Plan: {report.plan_id}",
        "Auftrag: 10000001-2",
    ]
    assert "Egon Huber egon.huber kein Admin-Recht Admin mit Kollektivunterschrift" in lines
    assert "Dora Meier dora.meier kein Admin-Recht Admin mit Einzelunterschrift" in lines
    assert lines[-5:-1] == [
        "Erforderlich: die Unterschrift einer Person mit Einzelunterschrift.",
        "Urs Bärtschi",
        "Einzelunterschrift",
        "Ort, Datum Unterschrift",
    ]


def test_apply_without_admin_changes_writes_nothing(workspace, tmp_path):
    report = ApplyReport(
        "sha256:" + "ef" * 32,
        (ClientResult("10000003", Outcome.NO_CHANGES, "nothing to change"),),
    )
    assert (
        write_admin_forms(
            report.results, workspace.bank, workspace.catalog, TODAY, tmp_path / "artifacts"
        )
        == []
    )
    assert not Path(tmp_path / "artifacts").exists()


# --- the form as the customer's request: plan, order, signing rule, whole ids, PDF/A ---------

PLAN_ID = "sha256:" + "ef" * 32
LONG_ID = "anna-maria.zurbriggen-rappaz.treuhand"
LONG = ClientState(
    CLIENT,
    FAVRE.name,
    "fr",
    3,
    signatories=FAVRE.signatories,
    users=(UserState(LONG_ID, "Anna Rappaz", None, "fr", None, "none", {}), *FAVRE.users),
)


@pytest.mark.parametrize(
    ("language", "plan", "order"),
    [
        ("de", "Antrag aus Plan", "Auftrag"),
        ("fr", "Demande issue du plan", "Ordre"),
        ("it", "Richiesta dal piano", "Ordine"),
        ("en", "Request from plan", "Order"),
    ],
)
def test_the_form_names_the_plan_and_the_order_it_comes_from(catalog, language, plan, order):
    content = admin_form_pdf(
        FAVRE, CHANGES, catalog, language, TODAY, plan_id=PLAN_ID, order_id="10000002-4"
    )
    assert pdf_lines(content)[3:5] == [f"{plan}: {PLAN_ID}", f"{order}: 10000002-4"]


def test_a_plan_without_an_order_for_the_relationship_says_so(catalog):
    lines = pdf_lines(admin_form_pdf(FAVRE, CHANGES, catalog, "en", TODAY, plan_id=PLAN_ID))
    assert lines[3:5] == [
        f"Request from plan: {PLAN_ID}",
        "Order: no electronic order, only changes on paper",
    ]


@pytest.mark.parametrize(
    ("signatures", "rule", "line"),
    [
        (("individual",), "individual", "Required: the signature of one person with individual"),
        (
            ("collective", "collective"),
            "two_collective",
            "Required: two signatures with joint signature by two.",
        ),
        (
            ("collective",),
            "two_collective",
            "Required: two signatures with joint signature by two.",
        ),
        (
            ("individual", "collective"),
            "individual_or_two",
            "Required: the signature of one person with individual signature, or two signatures of",
        ),
        ((), "unknown", "Required: signatures as the relationship's signing rule requires."),
    ],
)
def test_the_form_says_how_many_signatures_the_signing_rule_needs(catalog, signatures, rule, line):
    signatories = tuple(Signatory(f"S{n}", kind) for n, kind in enumerate(signatures))
    assert signing_rule(signatories) == rule
    state = ClientState(CLIENT, FAVRE.name, "en", 1, signatories=signatories, users=FAVRE.users)
    lines = pdf_lines(admin_form_pdf(state, CHANGES, catalog, "en", TODAY))
    after = lines[lines.index("Signatures of the authorised signatories") + 1]
    assert after.startswith(line)


def test_a_long_user_id_stays_whole_on_one_line(catalog):
    changes = (admin(LONG_ID, "none", "collective"), *CHANGES)
    lines = pdf_lines(admin_form_pdf(LONG, changes, catalog, "fr", TODAY))
    table = lines.index("Nom ID utilisateur Droit Admin actuel Droit Admin demandé")
    assert lines[table + 1] == f"Anna Rappaz {LONG_ID} pas de droit Admin"
    assert [line for line in lines if "rappaz" in line] == [lines[table + 1]]
    with pytest.raises(ValueError, match="a user id is too long for the form's table"):
        admin_form_pdf(LONG, (admin("x" * 120, "none", "collective"),), catalog, "fr", TODAY)


@pytest.mark.parametrize("language", ["de", "fr", "it", "en"])
def test_the_form_speaks_of_the_customers_request_not_of_efctl(catalog, language):
    text = " ".join(
        pdf_lines(admin_form_pdf(FAVRE, CHANGES, catalog, language, TODAY, plan_id=PLAN_ID))
    )
    assert "efctl" not in text.lower()
    assert all("efctl" not in line.lower() for line in _texts(all_texts()[language]))


def _texts(node) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _texts(value)]
    return [node]


def test_the_form_is_pdf_a_2u_with_its_metadata(catalog):
    content = admin_form_pdf(FAVRE, CHANGES, catalog, "de", TODAY, plan_id=PLAN_ID)
    reader = PdfReader(io.BytesIO(content))
    assert content.startswith(b"%PDF-1.7")
    xmp = reader.xmp_metadata
    assert (xmp.dc_title, xmp.dc_language, xmp.xmp_create_date.isoformat()) == (
        {"x-default": "Erteilung/Änderung des elektronischen Admin-Rechts"},
        ["de"],
        "2026-11-28T00:00:00",
    )
    assert xmp.dc_description == {
        "x-default": "Antrag der Kundenbeziehung 10000002 auf Erteilung/Änderung des Admin-Rechts"
    }
    description = xmp.rdf_root.getElementsByTagName("rdf:Description")[0]
    assert (
        description.getAttribute("pdfaid:part"),
        description.getAttribute("pdfaid:conformance"),
    ) == ("2", "U")
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert (intent["/S"], intent["/OutputConditionIdentifier"]) == ("/GTS_PDFA1", "sRGB")
    assert intent["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # an ICC file
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        (descendant,) = font.get_object()["/DescendantFonts"]
        assert "/FontFile2" in descendant.get_object()["/FontDescriptor"]  # embedded
        assert "/ToUnicode" in font.get_object()  # U: every glyph maps to Unicode
    assert "/ID" in reader.trailer
    assert content == admin_form_pdf(FAVRE, CHANGES, catalog, "de", TODAY, plan_id=PLAN_ID)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None and os.environ.get("CI") != "true",
    reason="needs pdftoppm (poppler-utils; .ci/run installs it, and under CI=true it must run)",
)
def test_the_form_renders_as_a_page(catalog, tmp_path):
    """poppler renders the first page: A4, and ink where the title and the table are."""
    from PIL import Image

    changes = (admin(LONG_ID, "none", "collective"), *CHANGES)
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(admin_form_pdf(LONG, changes, catalog, "fr", TODAY, plan_id=PLAN_ID))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    page = Image.open(tmp_path / "page-1.png").convert("L")
    assert page.size == (827, 1170)  # A4 at 100 dpi

    def inked(top_mm: float, bottom_mm: float) -> int:
        box = (0, round(top_mm / 25.4 * 100), page.width, round(bottom_mm / 25.4 * 100))
        return sum(page.crop(box).histogram()[:192])  # pixels darker than light grey

    assert inked(0, 18) == 0  # the top margin is blank
    assert inked(18, 30) > 100  # the title
    assert inked(60, 80) > 100  # the table's rows
    assert inked(278, 288) > 10  # the page number
    assert inked(289, 297) == 0  # below the footer
