"""write_file on the real file system: links and folders refused, the old file kept whole when a
write fails or the process dies, every OSError a message naming the path.

A write cut short is made real with RLIMIT_FSIZE in a child process: past the limit the kernel
fails the write with EFBIG or, with SIGXFSZ at its default, kills the writer.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from efctl.errors import EfctlError
from efctl.files import remove_file, write_file

ROOT = Path(__file__).parent.parent
LIMIT = 1000  # bytes a child process may write to any file

CHILD = textwrap.dedent(
    f"""
    import resource, signal, sys
    from pathlib import Path
    from efctl.errors import EfctlError
    from efctl.files import write_file

    if sys.argv[2] == "kill":  # Python ignores SIGXFSZ; the kernel's default kills
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, {LIMIT}))
    try:
        write_file(Path(sys.argv[1]), "new " * {LIMIT})
    except EfctlError as exc:
        print(exc.message, exc.hint, sep="\\n")
    """
)


def _child_writes(path: Path, over_the_limit: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(path), over_the_limit],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        check=False,
    )


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_text_as_utf8_into_new_folders_with_the_mode(tmp_path):
    target = tmp_path / "out" / "deep" / "plan.json"
    write_file(target, "Zürich\n")
    write_file(tmp_path / "form.pdf", b"%PDF-\x00\xff", mode=0o600)

    assert target.read_bytes() == "Zürich\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert (tmp_path / "form.pdf").read_bytes() == b"%PDF-\x00\xff"
    assert stat.S_IMODE((tmp_path / "form.pdf").stat().st_mode) == 0o600
    assert _listing(target.parent) == ["plan.json"]


def test_replaces_the_file_by_renaming_a_new_one_over_it(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old\n", encoding="utf-8")
    reader_view = tmp_path / "hard-link"
    os.link(target, reader_view)  # sees the old inode, as an open reader would

    write_file(target, "new\n")

    assert target.read_text(encoding="utf-8") == "new\n"
    assert reader_view.read_text(encoding="utf-8") == "old\n"
    assert _listing(tmp_path) == ["hard-link", "plan.json"]


def test_a_symlink_at_the_target_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "plan.json"
    link.symlink_to(victim)

    with pytest.raises(EfctlError) as refused:
        write_file(link, "new\n")

    assert (refused.value.message, refused.value.hint) == (
        f"cannot write {link}: it is a symbolic link, not a regular file",
        "remove it or choose another path",
    )
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert link.is_symlink()
    assert _listing(tmp_path) == ["plan.json", "victim"]


def test_a_dangling_symlink_is_refused_and_nothing_is_created_where_it_points(tmp_path):
    link = tmp_path / "plan.json"
    link.symlink_to(tmp_path / "elsewhere")

    with pytest.raises(EfctlError, match="it is a symbolic link"):
        write_file(link, "new\n")

    assert _listing(tmp_path) == ["plan.json"]


def test_a_folder_at_the_target_is_refused(tmp_path):
    (tmp_path / "plan.json").mkdir()

    with pytest.raises(EfctlError) as refused:
        write_file(tmp_path / "plan.json", "new\n")

    assert refused.value.message == (
        f"cannot write {tmp_path / 'plan.json'}: it is a folder, not a regular file"
    )
    assert _listing(tmp_path / "plan.json") == []


def test_a_fifo_at_the_target_is_refused_without_blocking_on_it(tmp_path):
    os.mkfifo(tmp_path / "plan.json")

    with pytest.raises(EfctlError) as refused:
        write_file(tmp_path / "plan.json", "new\n")

    assert refused.value.message == (
        f"cannot write {tmp_path / 'plan.json'}: it is a device, FIFO or socket, not a regular file"
    )


def test_a_file_where_a_folder_is_needed_is_a_clear_error(tmp_path):
    (tmp_path / "existing").write_text("kept\n", encoding="utf-8")

    with pytest.raises(EfctlError) as refused:
        write_file(tmp_path / "existing" / "deeper" / "x.json", "new\n")

    assert (refused.value.message, refused.value.hint) == (
        f"cannot write {tmp_path / 'existing' / 'deeper' / 'x.json'}: Not a directory",
        "a folder on the way to it is a file; choose another path",
    )
    assert (tmp_path / "existing").read_text(encoding="utf-8") == "kept\n"


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary_file(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old\n", encoding="utf-8")

    child = _child_writes(target, "fail")

    assert (child.returncode, child.stdout, child.stderr) == (
        0,
        f"cannot write {target}: File too large\n"
        "the file is larger than this system allows; choose another file system\n",
        "",
    )
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _listing(tmp_path) == ["plan.json"]


def test_a_write_killed_midway_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old\n", encoding="utf-8")

    child = _child_writes(target, "kill")

    assert child.returncode == -signal.SIGXFSZ
    assert target.read_text(encoding="utf-8") == "old\n"
    (partial,) = (p for p in tmp_path.iterdir() if p.name != "plan.json")
    assert partial.name.startswith(".plan.json.") and partial.name.endswith(".tmp")
    assert partial.stat().st_size == LIMIT  # the cut-off write went here, not to plan.json


def test_remove_file_removes_only_regular_files(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "folder")

    for name in ("file", "folder", "link", "missing"):
        remove_file(tmp_path / name)

    assert _listing(tmp_path) == ["folder", "link"]
