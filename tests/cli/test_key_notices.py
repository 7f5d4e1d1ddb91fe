"""Key expiry notices over real SMTP (an aiosmtpd server started here), on both stores: at
least 30 days before expiry, once per key and threshold, in the user's language, with SMTP
authentication; the password is never printed. The bank's day is moved with EFCTL_TODAY."""

from __future__ import annotations

import email
import json
import socket
import ssl
import subprocess
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

pytestmark = [
    pytest.mark.stores("sqlite", "postgresql"),
    # AUTH without TLS on the test's own loopback server: what aiosmtpd warns about
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

USER, PASSWORD = "bank", "s3cret-pw"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=default))
        )
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot be given port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        yield (
            inbox,
            f"smtp://{USER}:{PASSWORD}@127.0.0.1:{controller.server.sockets[0].getsockname()[1]}?from=efinance@bank.example",
        )
    finally:
        controller.stop()


def test_a_notice_30_days_before_expiry_once_in_the_users_language(examples_repo, smtp):
    """erp-facturation (helene.perret, French) expires on 2027-03-01."""
    repo = examples_repo
    inbox, url = smtp
    repo.env["EFCTL_SMTP_URL"] = url
    shown = url.replace(PASSWORD, "***")

    repo.env["EFCTL_TODAY"] = "2027-01-29"  # 31 days left: no notice yet
    early = repo.efctl("sandbox", "notify")
    assert (early.exit_code, early.stdout) == (0, f"Notices: 0 sent via {shown}, 0 not sent.\n")

    repo.env["EFCTL_TODAY"] = "2027-01-30"  # 30 days left
    sent = repo.efctl("sandbox", "notify")
    assert (sent.exit_code, sent.stdout) == (
        0,
        "sent: 40227319/api_keys/erp-facturation to helene.perret (fr), expires 2027-03-01,"
        " 30 days left\n"
        f"Notices: 1 sent via {shown}, 0 not sent.\n",
    )
    ((to, message),) = inbox.messages
    assert to == ["helene.perret@rochat-dufour.example.ch"]
    assert message["From"] == "efinance@bank.example"
    assert message["Subject"] == "Votre clé API « erp-facturation » expire le 2027-03-01"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Bonjour Hélène Perret,\n")
    assert "empreinte sha256:fdd30d181234d70ef54aa4da44f218ff82223108b8e7f6768bef4df04762e233" in (
        body
    )

    # Never twice: not the same day, not the next, not from the tick.
    assert repo.efctl("sandbox", "notify").stdout == f"Notices: 0 sent via {shown}, 0 not sent.\n"
    repo.env["EFCTL_TODAY"] = "2027-02-20"
    ticked = repo.efctl("sandbox", "tick", "--format", "json")
    assert json.loads(ticked.stdout)["notices"]["sent"] == []
    assert len(inbox.messages) == 1
    assert PASSWORD not in sent.output + early.output + ticked.output


@pytest.mark.stores("sqlite")  # the bank's part is the same on both: not recorded
def test_a_notice_that_cannot_be_sent_is_not_recorded_and_shows_no_password(examples_repo, smtp):
    repo = examples_repo
    inbox, url = smtp
    with socket.socket() as probe:  # a port where nobody listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    repo.env["EFCTL_SMTP_URL"] = f"smtps://{USER}:{PASSWORD}@127.0.0.1:{closed}"
    repo.env["EFCTL_TODAY"] = "2027-01-30"
    failed = repo.efctl("sandbox", "notify")
    assert failed.exit_code == 1 and PASSWORD not in failed.output
    assert failed.stderr.splitlines()[-1] == (
        f"efctl: error: the e-mail could not be sent via smtps://{USER}:***@127.0.0.1:{closed}:"
        " [Errno 111] Connection refused"
    )
    repo.env["EFCTL_SMTP_URL"] = url  # the notice was not recorded: it is sent now
    assert repo.efctl("sandbox", "notify").exit_code == 0
    assert len(inbox.messages) == 1


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (real openssl): (certificate, private key)."""
    cert, key = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.stores("sqlite")  # the bank's part is the same on both: only the transport differs
@pytest.mark.parametrize("transport", ["starttls", "smtps"])
def test_a_notice_goes_over_tls_verified_against_the_given_ca(
    examples_repo, certificate, transport
):
    repo = examples_repo
    cert, key = certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    over = (
        {"tls_context": tls, "require_starttls": True, "auth_require_tls": True}
        if transport == "starttls"
        else {"ssl_context": tls, "auth_require_tls": False}
    )
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
        auth_required=True, **over,
    )  # fmt: skip
    controller.start()
    scheme, query = ("smtp", "?starttls=true") if transport == "starttls" else ("smtps", "")
    where = f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}{query}"
    trusted = f"{where}{'&' if query else '?'}cafile={cert}"
    repo.env["EFCTL_TODAY"] = "2027-01-30"
    try:
        repo.env["EFCTL_SMTP_URL"] = where  # the system's CAs do not know this certificate
        untrusted = repo.efctl("sandbox", "notify")
        repo.env["EFCTL_SMTP_URL"] = trusted
        sent = repo.efctl("sandbox", "notify")
    finally:
        controller.stop()

    assert untrusted.exit_code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert (sent.exit_code, sent.stdout) == (
        0,
        "sent: 40227319/api_keys/erp-facturation to helene.perret (fr), expires 2027-03-01,"
        " 30 days left\n"
        f"Notices: 1 sent via {trusted.replace(PASSWORD, '***')}, 0 not sent.\n",
    )
    assert [to for to, _ in inbox.messages] == [["helene.perret@rochat-dufour.example.ch"]]
    assert PASSWORD not in sent.output + untrusted.output
