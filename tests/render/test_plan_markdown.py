"""The markdown view: exact output, masking, escaping, and splitting into standalone parts."""

from __future__ import annotations

import re

import pytest

from efctl.render.plan_markdown import (
    GITHUB_COMMENT_LIMIT,
    MarkdownLimitError,
    inline,
    render_markdown,
)
from efctl.render.redact import IBAN, format_iban, mask_email, mask_iban, sensitive_spans

CODE_SPAN = re.compile(r"(`+).*?\1")
SECTION = re.compile(r"^<summary>(\d+) .*?</summary>$", re.M)
CHANGE_LINE = re.compile(r"^- `", re.M)


def test_full_plan(full, golden):
    [document] = render_markdown(full)
    golden("full.md", document)


def test_a_plan_without_changes(empty, golden):
    [document] = render_markdown(empty)
    golden("empty.md", document)
    assert "**No changes.** The bank matches the declarations." in document
    assert "<details open>" not in document


def _sensitive_values(value) -> set[str]:
    """Every e-mail address and IBAN anywhere in the plan JSON."""
    if isinstance(value, dict):
        return set().union(*map(_sensitive_values, value.values()), set())
    if isinstance(value, list):
        return set().union(*map(_sensitive_values, value), set())
    if isinstance(value, str):
        return {found for _, _, found in sensitive_spans(value)}
    return set()


def test_no_email_address_or_iban_is_shown_in_full(full):
    [document] = render_markdown(full)
    values = _sensitive_values(full)
    assert len(values) == 8  # 5 addresses, 3 IBANs: the test looks at something
    for value in values:
        assert value not in document
        assert format_iban(value) not in document
    assert all("***@" in found for _, _, found in sensitive_spans(document) if "@" in found)
    assert IBAN.search(document) is None
    assert "`a***@example.ch #" in document
    assert "`CH56 **** **** **** *800 9`" in document


def test_masked_values_keep_what_tells_them_apart():
    assert mask_email("carla.rossi@example.ch") == "c***@example.ch"
    assert mask_iban("CH9300762011623852957") == "CH93 **** **** **** *295 7"


def test_names_are_escaped(full):
    [document] = render_markdown(full)
    assert "| `20567001` | Rossi &amp; Figli \\*Lago\\* SA &lt;Lugano> |" in document
    assert "<summary>20567001 Rossi &amp; Figli *Lago* SA &lt;Lugano&gt; (serial 3)" in document


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        (
            "Müller_AG [x](y) | *b* `c` ~d~ \\",
            "Müller\\_AG \\[x\\](y) \\| \\*b\\* \\`c\\` \\~d\\~ \\\\",
        ),
        ("<script>&amp;", "&lt;script>&amp;amp;"),
        ("two\nlines", "two lines"),
        ("ping @octocat", "ping @\u200boctocat"),
        ("mail anna.muster@example.ch", "mail `a***@example.ch`"),
    ],
)
def test_inline_text_is_inert(text, markdown):
    assert inline(text) == markdown


def test_nobody_is_mentioned(full):
    full["clients"][1]["name"] = "Team @rossi-figli"
    [document] = render_markdown(full)
    assert re.search(r"@\w", CODE_SPAN.sub("", document)) is None


def test_callouts(full):
    [document] = render_markdown(full)
    assert "> [!CAUTION]\n> **Mass removal is allowed for this plan**" in document
    client = "10432210 Muster Holding AG"
    assert f"> [!IMPORTANT]\n> **{client}: 2 Admin-right changes on paper.**" in document
    assert f"> [!WARNING]\n> **{client}: 2 changes undo drift.**" in document
    assert f"> [!NOTE]\n> **{client}: 1 fallback.**" in document


def test_a_changed_email_is_visible_as_changed_though_masked(full):
    [document] = render_markdown(full)
    assert (
        "- `~` **user**: email `a***@muster-holding.ch #3824db` -> `a***@example.ch #7151a3`, "
        "language de -> fr _(drift)_\n"
    ) in document


def test_one_document_has_no_part_number(full):
    [document] = render_markdown(full)
    assert document.startswith("### efctl plan `55cc8197fd32` · commit `9c4e2f1a7b3d`\n")
    assert "part 1" not in document


def _check_parts(documents: list[str], limit: int) -> None:
    for number, document in enumerate(documents, 1):
        assert len(document) <= limit
        title = document.splitlines()[0]
        assert title.startswith("### efctl plan `")
        assert title.endswith(f" · part {number} of {len(documents)}")
        assert f"\nThis part holds {document.count('<summary>')} of " in document


def test_three_hundred_relationships_split_into_standalone_parts(generate):
    plan = generate(relationships=300, users=5)
    documents = render_markdown(plan)
    assert len(documents) > 1
    _check_parts(documents, GITHUB_COMMENT_LIMIT)
    sections = [client for document in documents for client in SECTION.findall(document)]
    assert sections == [client["client"] for client in plan["clients"]]  # each exactly once
    changes = sum(len(CHANGE_LINE.findall(document)) for document in documents)
    assert changes == sum(len(client["changes"]) for client in plan["clients"])
    held = "This part holds 38 of 300 relationships: 950 to create, 0 to change, 0 to delete"
    assert f"\n{held}, 0 manual.\n" in documents[1]
    assert (
        "\n| `50000039` | Firm 39 AG | 25 | 0 | 0 | 0 | needed: 2 eligible admins |\n"
        in documents[1]
    )


def test_a_relationship_larger_than_a_part_is_split_between_users(generate):
    plan = generate(relationships=1, users=120)
    documents = render_markdown(plan, limit=10000)
    assert len(documents) > 2
    _check_parts(documents, 10000)
    for document in documents[1:]:
        assert "<summary>50000000 Firm 0 AG (serial 1) (continued)</summary>" in document
    headings = [h for d in documents for h in re.findall(r"^#### user `([^`]+)`", d, re.M)]
    assert headings == [f"user.{u:04d}" for u in range(120)]  # whole users, each once
    assert "(continued)\n\n- " not in "".join(documents)
    assert documents[-1].count("**Approval:**") == 1
    assert sum(d.count("**Approval:**") for d in documents) == 1


def test_a_user_larger_than_a_part_is_split_between_changes(generate):
    plan = generate(relationships=1, users=1, contracts=400)
    documents = render_markdown(plan, limit=8000)
    _check_parts(documents, 8000)
    assert "#### user `user.0000` (User 0) (continued)\n" in documents[1]
    changes = sum(len(CHANGE_LINE.findall(document)) for document in documents)
    assert changes == 401


def test_a_limit_too_small_for_one_change_is_refused(full):
    with pytest.raises(MarkdownLimitError, match="too small for one change of client 10432210"):
        render_markdown(full, limit=1500)
    with pytest.raises(MarkdownLimitError, match="limit of 200 characters cannot hold the title"):
        render_markdown(full, limit=200)


def test_deterministic(full):
    assert render_markdown(full) == render_markdown(full)


def test_the_footer_links_the_run_names_the_head_commit_and_says_merge_to_apply(full):
    [document] = render_markdown(full, run_url="https://github.com/muster/efinance/actions/runs/42")
    assert document.endswith(
        "\n</details>\n\n---\n"
        "Planned by [this run](https://github.com/muster/efinance/actions/runs/42) at head commit "
        "`9c4e2f1a7b3d5e6f8091a2b3c4d5e6f708192a3b`: approving reviews count only on this commit, "
        "and a new push plans again. **Merge to apply:** after the merge, CI applies exactly this "
        "plan.\n"
    )


def test_every_part_has_the_footer(generate):
    documents = render_markdown(generate(relationships=300, users=5), run_url="https://x/runs/1")
    assert len(documents) > 1
    assert all(d.count("**Merge to apply:**") == 1 for d in documents)
    _check_parts(documents, GITHUB_COMMENT_LIMIT)
