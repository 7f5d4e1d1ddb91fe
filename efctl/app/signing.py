"""Signed local approvals: `ssh-keygen -Y sign` and `-Y verify` in git's allowed-signers format.

An approval signs the plan id, the relationships it approves and the approver's user id, in a
namespace of efctl's own (a signature made for git or anything else never verifies here).
efctl hands ssh-keygen the path of the private key and never reads or writes the key itself.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from efctl.errors import EfctlError

NAMESPACE = "efctl-approval"
KEY_VARIABLE = "EFCTL_SIGNING_KEY"


def approval_message(plan_id: str, clients: Sequence[str], user: str) -> bytes:
    """What an approval signs; apply rebuilds it from the plan and the approval."""
    return f"efctl-approval-v1\nplan {plan_id}\nclients {','.join(clients)}\nuser {user}\n".encode()


def require_key(key: Path | None) -> Path:
    """The private key to sign with (or its .pub, the key being in ssh-agent)."""
    if key is None:
        raise EfctlError(
            "an approval is signed with your SSH key: no key given",
            hint=f"--key ~/.ssh/id_ed25519 (or set {KEY_VARIABLE}); on the local sandbox, "
            "--unsigned records an unsigned approval",
        )
    if not key.is_file():
        raise EfctlError(f"{key}: no such key file", hint="--key is the path of your SSH key")
    return key


def sign(message: bytes, key: Path) -> str:
    """The armored signature of MESSAGE with the SSH key at KEY (or its agent)."""
    done = _ssh_keygen(["-Y", "sign", "-n", NAMESPACE, "-f", str(key)], message)
    if done.returncode != 0:
        raise EfctlError(
            f"ssh-keygen could not sign with {key}: {_last_line(done.stderr)}",
            hint="--key is your SSH private key (or its .pub file when the key is in ssh-agent)",
        )
    return done.stdout.decode()


@functools.cache
def verify(message: bytes, signature: str, user: str, public_key: str) -> str | None:
    """None when SIGNATURE is USER's signature of MESSAGE with PUBLIC_KEY, else why not.

    Cached: one approval covers many relationships, and the same key usually holds in each."""
    with tempfile.TemporaryDirectory(prefix="efctl-verify-") as folder:
        signers, sig = Path(folder, "allowed_signers"), Path(folder, "approval.sig")
        signers.write_text(f'{user} namespaces="{NAMESPACE}" {public_key}\n', encoding="utf-8")
        sig.write_text(signature, encoding="utf-8")
        checked = ["-n", NAMESPACE, "-s", str(sig)]
        verified = _ssh_keygen(["-Y", "verify", "-f", str(signers), "-I", user, *checked], message)
        if verified.returncode == 0:
            return None
        if _ssh_keygen(["-Y", "check-novalidate", *checked], message).returncode == 0:
            return f"signed with another key than the signing key the bank holds for {user}"
        return "the signature is not of this plan id, these relationships and this user"


def _ssh_keygen(args: list[str], message: bytes) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["ssh-keygen", *args], input=message, capture_output=True)
    except FileNotFoundError as exc:
        raise EfctlError(
            "ssh-keygen is not installed: signed approvals need it",
            hint="install OpenSSH (8.2 or later), e.g. apt-get install openssh-client",
        ) from exc


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"
