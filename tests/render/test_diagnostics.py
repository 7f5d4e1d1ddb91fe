"""render_diagnostics: the exact output of every format, for a located error with a hint, a
warning in an oddly named file without line or column whose message needs escaping, and an
error of no file at all."""

from __future__ import annotations

import json
from importlib.metadata import version

import pytest

from efctl.render.diagnostics import FORMATS, render_diagnostics
from reconcile.diagnostics import Diagnostic, Severity

LOCATED = Diagnostic(
    "EF010",
    Severity.ERROR,
    "unknown key `emial`",
    hint="did you mean `email`?",
    file="clients/20145837.yaml",
    line=12,
    col=5,
)
ODD = Diagnostic(
    "EF113",
    Severity.WARNING,
    "user a has no rights: 100% gone\r\nsecond line",
    file="clients/a,b: c.yaml",
)
NOWHERE = Diagnostic(
    "EF111",
    Severity.ERROR,
    "client id 99999999 is unknown at the bank",
    hint="known: 10000001, 10000002",
)
DIAGNOSTICS = (LOCATED, ODD, NOWHERE)


def test_text_is_compiler_style_with_hints_and_a_summary():
    assert render_diagnostics(DIAGNOSTICS, "text", 3, anchor="efctl.yaml") == (
        "clients/20145837.yaml:12:5: error EF010: unknown key `emial`\n"
        "    hint: did you mean `email`?\n"
        "clients/a,b: c.yaml: warning EF113: user a has no rights: 100% gone\r\nsecond line\n"
        "error EF111: client id 99999999 is unknown at the bank\n"
        "    hint: known: 10000001, 10000002\n"
        "2 errors, 1 warning in 3 files\n"
    )


def test_json_lists_every_field_and_a_summary():
    assert json.loads(render_diagnostics(DIAGNOSTICS, "json", 3, anchor="efctl.yaml")) == {
        "diagnostics": [
            {
                "code": "EF010",
                "severity": "error",
                "message": "unknown key `emial`",
                "hint": "did you mean `email`?",
                "file": "clients/20145837.yaml",
                "line": 12,
                "col": 5,
            },
            {
                "code": "EF113",
                "severity": "warning",
                "message": "user a has no rights: 100% gone\r\nsecond line",
                "hint": None,
                "file": "clients/a,b: c.yaml",
                "line": None,
                "col": None,
            },
            {
                "code": "EF111",
                "severity": "error",
                "message": "client id 99999999 is unknown at the bank",
                "hint": "known: 10000001, 10000002",
                "file": None,
                "line": None,
                "col": None,
            },
        ],
        "summary": {"errors": 2, "warnings": 1, "files": 3},
    }


def test_github_annotations_escape_messages_and_properties():
    assert render_diagnostics(DIAGNOSTICS, "github", 3, anchor="efctl.yaml") == (
        "::error file=clients/20145837.yaml,line=12,col=5,title=EF010::"
        "unknown key `emial`%0Ahint: did you mean `email`?\n"
        "::warning file=clients/a%2Cb%3A c.yaml,title=EF113::"
        "user a has no rights: 100%25 gone%0D%0Asecond line\n"
        "::error title=EF111::"
        "client id 99999999 is unknown at the bank%0Ahint: known: 10000001, 10000002\n"
        "2 errors, 1 warning in 3 files\n"
    )


PERSONAL = (
    Diagnostic(
        "EF015",
        Severity.ERROR,
        "users[3].github (elias.brunner): 'elias.brunner@example.ch' has the wrong format",
        hint="a GitHub login, not an e-mail address like anna@example.ch",
        file="clients/10000001.yaml",
        line=28,
        col=13,
    ),
    Diagnostic(
        "EF102",
        Severity.ERROR,
        "unknown contract 'CH5604835012345678009' in single of user 'elias.brunner'",
        hint="contracts of 10000001: CH9300762011623852957, DP-10000001-1",
        file="clients/10000001.yaml",
        line=32,
        col=22,
    ),
)


def test_github_annotations_mask_e_mail_addresses_and_ibans_as_the_pull_request_comment_does():
    assert render_diagnostics(PERSONAL, "github", 1, anchor="efctl.yaml") == (
        "::error file=clients/10000001.yaml,line=28,col=13,title=EF015::"
        "users[3].github (elias.brunner): 'e***@example.ch' has the wrong format"
        "%0Ahint: a GitHub login, not an e-mail address like a***@example.ch\n"
        "::error file=clients/10000001.yaml,line=32,col=22,title=EF102::"
        "unknown contract 'CH56 **** **** **** *800 9' in single of user 'elias.brunner'"
        "%0Ahint: contracts of 10000001: CH93 **** **** **** *295 7, DP-10000001-1\n"
        "2 errors, 0 warnings in 1 file\n"
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_text_and_json_keep_personal_data_for_the_person_who_fixes_it(fmt):
    rendered = render_diagnostics(PERSONAL, fmt, 1, anchor="efctl.yaml")
    for value in ("elias.brunner@example.ch", "anna@example.ch", "CH5604835012345678009"):
        assert value in rendered


def test_sarif_has_the_rules_used_and_located_results():
    assert json.loads(render_diagnostics(DIAGNOSTICS, "sarif", 3, anchor="efctl.yaml")) == {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
        "sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "efctl",
                        "version": version("efctl"),
                        "informationUri": "https://efctl.dev/",
                        "rules": [
                            _rule("EF010", "unknown key", "error"),
                            _rule("EF111", "client id unknown at the bank", "error"),
                            _rule("EF113", "user left with no rights at all", "warning"),
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "EF010",
                        "ruleIndex": 0,
                        "level": "error",
                        "message": {"text": "unknown key `emial`\nhint: did you mean `email`?"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {
                                        "uri": "clients/20145837.yaml",
                                        "uriBaseId": "%SRCROOT%",
                                    },
                                    "region": {"startLine": 12, "startColumn": 5},
                                }
                            }
                        ],
                    },
                    {
                        "ruleId": "EF113",
                        "ruleIndex": 2,
                        "level": "warning",
                        "message": {"text": "user a has no rights: 100% gone\r\nsecond line"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {
                                        "uri": "clients/a%2Cb%3A%20c.yaml",
                                        "uriBaseId": "%SRCROOT%",
                                    }
                                }
                            }
                        ],
                    },
                    {
                        "ruleId": "EF111",
                        "ruleIndex": 1,
                        "level": "error",
                        "message": {
                            "text": "client id 99999999 is unknown at the bank\n"
                            "hint: known: 10000001, 10000002"
                        },
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {
                                        "uri": "efctl.yaml",
                                        "uriBaseId": "%SRCROOT%",
                                    }
                                }
                            }
                        ],
                    },
                ],
            }
        ],
    }


def _rule(code: str, summary: str, level: str) -> dict:
    return {
        "id": code,
        "shortDescription": {"text": summary},
        "help": {
            "text": f"{code}: {summary}. `efctl validate` prints each problem with a hint; "
            "efctl's README lists every code."
        },
        "defaultConfiguration": {"level": level},
    }


def test_sarif_names_an_absolute_file_by_its_file_uri():
    absolute = Diagnostic("EF001", Severity.ERROR, "bad", file="/srv/repo/my clients/x.yaml")
    (result,) = json.loads(render_diagnostics([absolute], "sarif", 1, anchor="efctl.yaml"))["runs"][
        0
    ]["results"]
    assert result["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "file:///srv/repo/my%20clients/x.yaml"}}}
    ]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", ""),
        ("github", ""),
        ("json", {"diagnostics": [], "summary": {"errors": 0, "warnings": 0, "files": 5}}),
        ("sarif", []),
    ],
)
def test_no_diagnostics(fmt, expected):
    rendered = render_diagnostics([], fmt, 5, anchor="efctl.yaml")
    if fmt == "json":
        rendered = json.loads(rendered)
    elif fmt == "sarif":
        run = json.loads(rendered)["runs"][0]
        assert run["tool"]["driver"]["rules"] == []
        rendered = run["results"]
    assert rendered == expected


def test_the_formats_are_the_four():
    assert FORMATS == ("text", "json", "github", "sarif")
