"""Diagnostics as data: made with a pointer, placed at file:line:col, sorted by place."""

from __future__ import annotations

from reconcile.diagnostics import Diagnostic, Severity, error, warning


def test_errors_and_warnings_carry_code_message_pointer_and_hint():
    assert error("EF101", "duplicate", ("users", 1, "id"), "rename one") == Diagnostic(
        "EF101", Severity.ERROR, "duplicate", "rename one", ("users", 1, "id")
    )
    assert warning("EF120", "expires soon") == Diagnostic(
        "EF120", Severity.WARNING, "expires soon", None, ()
    )


def test_a_diagnostic_is_placed_in_its_file_and_keeps_the_rest():
    placed = error("EF101", "duplicate", ("users", 1)).at("clients/a.yaml", 7, 9)
    assert placed == Diagnostic(
        "EF101", Severity.ERROR, "duplicate", None, ("users", 1), "clients/a.yaml", 7, 9
    )


def test_diagnostics_sort_by_file_line_column_then_code():
    found = [
        error("EF102", "x").at("b.yaml", 1, 1),
        error("EF101", "x").at("a.yaml", 3, 2),
        error("EF103", "x").at("a.yaml", 3, 1),
        error("EF101", "x").at("a.yaml", None, None),
        error("EF100", "x").at("a.yaml", 3, 1),
        error("EF001", "x"),
    ]
    assert [d.sort_key for d in sorted(found, key=lambda d: d.sort_key)] == [
        ("", 0, 0, "EF001"),
        ("a.yaml", 0, 0, "EF101"),
        ("a.yaml", 3, 1, "EF100"),
        ("a.yaml", 3, 1, "EF103"),
        ("a.yaml", 3, 2, "EF101"),
        ("b.yaml", 1, 1, "EF102"),
    ]
