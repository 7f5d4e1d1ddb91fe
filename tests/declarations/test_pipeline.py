"""validate() keeps what it read: the exact bytes and the path as given, wherever the file is."""

from __future__ import annotations

from datetime import date

from efctl.catalog import load_catalog
from efctl.declarations.pipeline import validate

VALID = (
    "# ünïcode comment, CRLF line ends\r\nversion: 1\r\n"
    'client: {id: "10000001", name: Testfirma AG, language: de}\r\n'
    "users:\r\n  - {id: anna.muster, name: Anna Muster, admin: individual}\r\n"
).encode()


def checked(*paths):
    return validate(list(paths), catalog=load_catalog(None), bank=None, today=date(2026, 11, 28))


def test_the_document_keeps_the_bytes_it_validated_and_the_path_as_given(tmp_path):
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "10000001.yaml").write_bytes(VALID)
    validation = checked(tmp_path / "clients")
    assert validation.diagnostics == ()
    [loaded] = validation.clients
    assert loaded.document.content == VALID
    assert loaded.document.source == tmp_path / "clients" / "10000001.yaml"


def test_a_declaration_outside_the_repository_or_linked_from_it_loads(tmp_path):
    outside = tmp_path / "elsewhere" / "testfirma.yaml"
    outside.parent.mkdir()
    outside.write_bytes(VALID)
    (tmp_path / "repo" / "clients").mkdir(parents=True)
    link = tmp_path / "repo" / "clients" / "10000001.yaml"
    link.symlink_to(outside)

    for given, source in ((tmp_path / "repo" / "clients", link), (outside, outside)):
        validation = checked(given)
        assert validation.diagnostics == ()
        [loaded] = validation.clients
        assert (loaded.document.source, loaded.document.path) == (source, str(source))
        assert loaded.document.content == VALID
