"""The libyaml fast path reads exactly what the pure path reads, or leaves the document to it.

Either ``_fast_build`` returns None (the pure path reads and explains the document), or it
returns the same data, marks and key marks, with no diagnostics, as the pure path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_spec_properties import YAMLISH

from efctl.declarations import loader
from efctl.declarations.loader import dump_document, parse_document

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not loader.FAST, reason="PyYAML without libyaml")


def pure(content: bytes | str) -> loader.LoadedDocument:
    loader.FAST = False
    try:
        return parse_document(content, "c.yaml")
    finally:
        loader.FAST = True


def assert_same(content: bytes | str) -> loader.LoadedDocument | None:
    """The fast path's document, asserted equal to the pure path's (None: it declined)."""
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    fast = loader._fast_build(text, "c.yaml")
    if fast is not None:
        slow = pure(content)
        assert slow.diagnostics == ()
        assert (fast.data, dict(fast.marks), dict(fast.key_marks)) == (
            slow.data,
            dict(slow.marks),
            dict(slow.key_marks),
        )
        assert parse_document(content, "c.yaml") == slow
    return fast


YAML_FILES = sorted(
    {*ROOT.glob("examples/**/*.yaml"), *ROOT.glob("tests/**/*.yaml"), *ROOT.glob("tests/**/*.yml")}
)


def test_every_yaml_file_of_the_repository_reads_the_same():
    built = [path for path in YAML_FILES if assert_same(path.read_bytes()) is not None]
    assert len(built) > 20  # the fast path does read the ordinary declarations


def test_every_golden_case_gives_the_same_diagnostics_without_the_fast_path():
    for path in sorted(ROOT.glob("tests/cli/codes/*/**/*.yaml")):
        content = path.read_bytes()
        assert parse_document(content, "c.yaml") == pure(content)


@given(YAMLISH)
def test_yaml_corners_read_the_same_or_go_the_pure_way(text):
    assert_same("version: 1\n" + text)
    assert_same(text)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["2019", "0x1F", "no", "~", "1e3", ".inf", "a: b", "- x", "#", "é\u2028"]),
)
KEYS = st.one_of(st.text(min_size=1, max_size=8), st.sampled_from(["2019", "true", "~", "1.5"]))
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, min_size=1, max_size=4)
    ),
    max_leaves=25,
)


@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=5), st.booleans())
def test_written_documents_read_the_same(data, flow):
    text = dump_document(data)
    if flow:
        import yaml

        text = yaml.dump(data, Dumper=loader._Dumper, default_flow_style=True, width=30)
    assert_same(text)
    assert_same(text.replace("\n", "\r\n"))
