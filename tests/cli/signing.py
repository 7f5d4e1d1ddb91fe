"""Throwaway SSH keys for signed approvals: real `ssh-keygen`, one ed25519 key per person."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from efctl.sandbox.sql import connect


def keypair(folder: Path, user: str) -> Path:
    """The private key of USER in FOLDER (made on first use); its public line is KEY.pub."""
    key = folder / user
    if not key.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user, "-f", str(key)],
            check=True,
        )
    return key


def public_line(key: Path) -> str:
    return key.with_name(key.name + ".pub").read_text(encoding="utf-8").strip()


def declare_key(declaration: Path, user: str, key: Path) -> None:
    """Declare KEY as USER's signing_key in DECLARATION (replacing one declared before)."""
    text = declaration.read_text(encoding="utf-8")
    text = re.sub(rf"(\n  - id: {re.escape(user)}\n)(    signing_key: .*\n)?", r"\1", text)
    entry = f"\n  - id: {user}\n"
    declared = f'{entry}    signing_key: "{public_line(key)}"\n'
    declaration.write_text(text.replace(entry, declared), encoding="utf-8")


def declare_keys(clients: Path, keys: Path, users) -> None:
    """Declare each of USERS' keys in every declaration under CLIENTS that has them, unless
    a signing_key is declared for them there already."""
    for declaration in sorted(clients.glob("*.yaml")):
        for user in users:
            text = declaration.read_text(encoding="utf-8")
            if f"\n  - id: {user}\n" in text and f"\n  - id: {user}\n    signing_key:" not in text:
                declare_key(declaration, user, keypair(keys, user))


def bank_holds(url: str, held: dict[str, Path]) -> None:
    """Arrange that the bank at URL holds each user's KEY as their signing key, in every
    relationship, with no serial moved: what an applied plan that declared them leaves."""
    database = connect(url)
    try:
        with database.transaction(write=True):
            for user, key in held.items():
                database.execute(
                    "UPDATE users SET signing_key = ? WHERE id = ?", (public_line(key), user)
                )
    finally:
        database.close()


def enrol(repo, keys: Path, users) -> None:
    """USERS' keys declared (where not yet) and held by the bank, as after an applied plan."""
    declare_keys(repo.root / "clients", keys, users)
    bank_holds(repo.env["EFCTL_BACKEND"], {user: keypair(keys, user) for user in users})


def private_material(key: Path) -> str:
    """The base64 body of the private key file, to check that it is shown nowhere."""
    lines = key.read_text(encoding="utf-8").splitlines()
    return "".join(line for line in lines if not line.startswith("-----"))
