"""The markdown the way github.com renders it: an alert (``> [!NOTE]`` ...) inside ``<details>``
shows as a plain quote with the literal marker, so every callout must sit outside every
``<details>`` block, in every golden plan, the render fixtures and split parts alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from efctl.render.plan_markdown import render_markdown

TESTS = Path(__file__).parents[1]
DOCUMENTS = sorted([*TESTS.glob("golden/plan/*/plan.md"), *TESTS.glob("render/expected/*.md")])
ALERT = re.compile(r"^> \[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.I)
OPEN = re.compile(r"<details[ >]", re.I)
CLOSE = re.compile(r"</details>", re.I)


def alerts_inside_details(markdown: str) -> list[str]:
    """Each alert line between a ``<details>`` and its ``</details>``, with its line number."""
    depth, found = 0, []
    for number, line in enumerate(markdown.splitlines(), 1):
        if ALERT.match(line) and depth:
            found.append(f"{number}: {line}")
        depth += len(OPEN.findall(line)) - len(CLOSE.findall(line))
        assert depth >= 0, f"line {number}: </details> without <details>"
    assert depth == 0, "a <details> is never closed"
    return found


def test_the_check_finds_an_alert_inside_details():
    markdown = "<details>\n<summary>x</summary>\n\n> [!WARNING]\n> drift\n</details>\n"
    assert alerts_inside_details(markdown) == ["4: > [!WARNING]"]
    assert alerts_inside_details("> [!NOTE]\n> x\n\n<details open>\n</details>\n") == []


def test_there_are_documents_to_check():
    assert len(DOCUMENTS) >= 10
    assert sum("> [!" in path.read_text(encoding="utf-8") for path in DOCUMENTS) >= 4


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_alert_sits_inside_details(path):
    assert alerts_inside_details(path.read_text(encoding="utf-8")) == []


def test_no_alert_sits_inside_details_in_any_part_of_a_split_plan(full):
    parts = render_markdown(full, limit=3000)
    assert len(parts) > 1
    for part in parts:
        assert alerts_inside_details(part) == []
