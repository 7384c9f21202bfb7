"""The overdue mail over TLS: STARTTLS (smtp://), implicit SSL (smtps://), AUTH, untrusted certificates.

No mocks: a self-signed certificate made by the `openssl` command line (IP SAN 127.0.0.1 and
DNS localhost), real aiosmtpd servers on 127.0.0.1 with real TLS, a real ledger and real git
commits, everything driven through the CLI in-process with a fixed clock (--now).

The client trusts the test certificate only through the SSL_CERT_FILE environment variable given
to the CLI invocation: propcli uses ssl.create_default_context(), whose default verify paths are
read by OpenSSL from SSL_CERT_FILE at the time the context is made.
"""
from __future__ import annotations

import json
import shutil
import smtplib
import socket
import ssl
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from conftest import ACTOR, git, git_state, invoke, make_ledger

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="the `openssl` command line is needed to make a test certificate")

T0 = "2026-11-28T09:00:00+08:00"
LATE = "2026-11-28T09:10:00+08:00"   # repair.fill and repair.notify are late: one digest to send
USER, PASSWORD = "desk", "s3cret-Pa55"
TIMEOUT = 10                          # seconds: propcli's SMTP timeout and the controllers' start-up wait


# --- certificate --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> dict:
    """A self-signed certificate for 127.0.0.1 (IP SAN) and localhost; returns {'cert', 'key'} paths."""
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key_file), "-out", str(cert_file), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return {"cert": cert_file, "key": key_file}


def server_context(cert) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert["cert"]), str(cert["key"]))
    return context


def trusting(cert) -> dict:
    """The environment for a CLI invocation that trusts the test certificate."""
    return {"SSL_CERT_FILE": str(cert["cert"])}


# --- servers ------------------------------------------------------------------------------------
class Collector:
    """An aiosmtpd handler keeping every accepted envelope with how its session was secured."""

    def __init__(self):
        self.envelopes = []
        self.sessions = []

    async def handle_DATA(self, server, session, envelope):
        ssl_object = server.transport.get_extra_info("ssl_object")
        self.envelopes.append(envelope)
        self.sessions.append({
            "starttls": session.ssl is not None,               # set by aiosmtpd after STARTTLS only
            "tls_version": ssl_object.version() if ssl_object is not None else None,
            "authenticated": bool(session.authenticated),
            "login": getattr(session.auth_data, "login", None),
        })
        return "250 OK"


class Passwords:
    """aiosmtpd authenticator: accepts USER/PASSWORD only; remembers every attempt."""

    def __init__(self):
        self.attempts = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8")
        password = auth_data.password.decode("utf-8")
        self.attempts.append((mechanism, login, password == PASSWORD))
        ok = login == USER and password == PASSWORD
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(handler, scheme: str, **parameters):
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=_free_port(),
                                                ready_timeout=TIMEOUT, **parameters)
    controller.start()
    handler.url = f"{scheme}://127.0.0.1:{controller.port}"
    handler.port = controller.port
    return controller


@pytest.fixture
def starttls_server(cert):
    """Plain SMTP offering STARTTLS, and refusing anything but EHLO/STARTTLS/QUIT before it."""
    handler = Collector()
    controller = _serve(handler, "smtp", tls_context=server_context(cert), require_starttls=True)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def ssl_server(cert):
    """Implicit TLS from the first byte (smtps)."""
    handler = Collector()
    controller = _serve(handler, "smtps", ssl_context=server_context(cert))
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def auth_server(cert):
    """STARTTLS required, AUTH required, AUTH only over TLS; the password is checked by Passwords."""
    handler = Collector()
    handler.passwords = Passwords()
    controller = _serve(handler, "smtp", tls_context=server_context(cert), require_starttls=True,
                        authenticator=handler.passwords, auth_required=True, auth_require_tls=True)
    try:
        yield handler
    finally:
        controller.stop()


# --- ledger -------------------------------------------------------------------------------------
def configure(ledger: Path, username: str | None = None) -> None:
    """propcli.yaml: a bounded SMTP timeout and, if given, mail.username; committed so the tree is clean."""
    config = ledger / "propcli.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\nmail:\n" in text and "\n  username:\n" in text, text
    text = text.replace("\nmail:\n", f"\nmail:\n  timeout: {TIMEOUT}\n", 1)
    if username:
        text = text.replace("\n  username:\n", f"\n  username: {username}\n", 1)
    config.write_text(text, encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "test: smtp settings")


@pytest.fixture
def ledger(tmp_path) -> Path:
    path = make_ledger(tmp_path)
    configure(path)
    return path


@pytest.fixture
def auth_ledger(tmp_path) -> Path:
    path = make_ledger(tmp_path)
    configure(path, username=USER)
    return path


def new_repair(ledger) -> str:
    result = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                    "--item", "水龙头漏水", "--price-code", "SD-01", "--at", T0, "-f", "json", now=T0, as_=ACTOR)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["id"]


def mail(ledger, url: str, env: dict):
    # PROPCLI_SMTP_PASSWORD is always given explicitly (None removes it) so the caller's shell cannot leak in
    env = {"PROPCLI_SMTP_PASSWORD": None, **env}
    return invoke(ledger, "overdue", "--mail-to", "a@example.com", "--smtp", url, now=LATE, as_=ACTOR, env=env)


def notices(ledger, record_id) -> list[dict]:
    result = invoke(ledger, "show", record_id, "-f", "json", now="2026-11-30T00:00:00+08:00")
    assert result.exit_code == 0, result.stderr
    return [e for e in json.loads(result.stdout)["events"] if e["step"] in ("notice", "escalate")]


def assert_sent_and_recorded(ledger, record_id, before, result, handler):
    assert result.exit_code == 0, result.stderr
    assert len(handler.envelopes) == 1
    assert "a@example.com" in handler.envelopes[0].rcpt_tos
    message = message_from_bytes(handler.envelopes[0].original_content, policy=policy.default)
    assert record_id in message.get_body(("plain",)).get_content()
    head, _status = git_state(ledger)
    assert head != before[0]
    assert int(git(ledger, "rev-list", "--count", f"{before[0]}..HEAD").strip()) == 1
    assert sorted(e["rule"] for e in notices(ledger, record_id)) == ["repair.fill", "repair.notify"]


def assert_failed_and_nothing_recorded(ledger, record_id, before, result, *words):
    assert result.exit_code == 3, (result.exit_code, result.output)
    message = result.stderr.strip()
    assert message and len(message.splitlines()) == 1, message
    assert "Traceback" not in result.output
    assert "nothing was recorded" in message
    for word in words:
        assert word in message, message
    assert git_state(ledger) == before          # no commit, no stray file
    assert notices(ledger, record_id) == []


# --- the client side of the trust: SSL_CERT_FILE -----------------------------------------------
def test_ssl_cert_file_is_honoured_by_create_default_context(cert, monkeypatch):
    """The mechanism the other tests rely on, checked directly: the same call propcli makes."""
    monkeypatch.setenv("SSL_CERT_FILE", str(cert["cert"]))
    assert ssl.get_default_verify_paths().openssl_cafile_env == "SSL_CERT_FILE"
    context = ssl.create_default_context()
    names = [dict(rdn[0] for rdn in c["subject"]).get("commonName") for c in context.get_ca_certs()]
    assert "127.0.0.1" in names


# --- 1. STARTTLS -------------------------------------------------------------------------------
def test_starttls_server_refuses_plain_mail_from(starttls_server):
    """The server really requires TLS: without STARTTLS, MAIL FROM is refused (so a delivery proves TLS)."""
    with smtplib.SMTP("127.0.0.1", starttls_server.port, timeout=TIMEOUT) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        code, _reply = client.mail("propcli@example.com")
        assert code == 530
    assert starttls_server.envelopes == []


def test_starttls_message_arrives_over_tls(ledger, cert, starttls_server):
    record_id = new_repair(ledger)
    before = git_state(ledger)
    result = mail(ledger, starttls_server.url, trusting(cert))
    assert_sent_and_recorded(ledger, record_id, before, result, starttls_server)
    session = starttls_server.sessions[0]
    assert session["starttls"] is True
    assert session["tls_version"] and session["tls_version"].startswith("TLS")


# --- 2. implicit SSL ---------------------------------------------------------------------------
def test_smtps_message_arrives(ledger, cert, ssl_server):
    record_id = new_repair(ledger)
    before = git_state(ledger)
    result = mail(ledger, ssl_server.url, trusting(cert))
    assert_sent_and_recorded(ledger, record_id, before, result, ssl_server)
    session = ssl_server.sessions[0]
    assert session["starttls"] is False                    # TLS from the first byte, no STARTTLS
    assert session["tls_version"] and session["tls_version"].startswith("TLS")


# --- 3. AUTH over STARTTLS ---------------------------------------------------------------------
def test_auth_right_password_is_accepted(auth_ledger, cert, auth_server):
    record_id = new_repair(auth_ledger)
    before = git_state(auth_ledger)
    result = mail(auth_ledger, auth_server.url, {**trusting(cert), "PROPCLI_SMTP_PASSWORD": PASSWORD})
    assert_sent_and_recorded(auth_ledger, record_id, before, result, auth_server)
    session = auth_server.sessions[0]
    assert session["starttls"] is True and session["authenticated"] is True
    assert session["login"] == USER.encode()
    assert auth_server.passwords.attempts and auth_server.passwords.attempts[-1][1:] == (USER, True)
    # the password went only to the server: neither the ledger's history nor the output holds it
    assert PASSWORD not in git(auth_ledger, "log", "-p", "--all")
    assert PASSWORD not in result.output


def test_auth_wrong_password_is_exit_3_and_records_nothing(auth_ledger, cert, auth_server):
    record_id = new_repair(auth_ledger)
    before = git_state(auth_ledger)
    result = mail(auth_ledger, auth_server.url, {**trusting(cert), "PROPCLI_SMTP_PASSWORD": "wrong"})
    assert_failed_and_nothing_recorded(auth_ledger, record_id, before, result)
    assert auth_server.envelopes == []
    assert auth_server.passwords.attempts and all(ok is False for _m, _u, ok in auth_server.passwords.attempts)
    assert "wrong" not in result.output


def test_auth_password_variable_unset_records_nothing(auth_ledger, cert, auth_server):
    """mail.username set but PROPCLI_SMTP_PASSWORD missing: bad input (exit 2) before AUTH, nothing sent or recorded."""
    record_id = new_repair(auth_ledger)
    before = git_state(auth_ledger)
    result = mail(auth_ledger, auth_server.url, trusting(cert))
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "PROPCLI_SMTP_PASSWORD" in result.stderr and "Traceback" not in result.output
    assert auth_server.envelopes == [] and auth_server.passwords.attempts == []
    assert git_state(auth_ledger) == before
    assert notices(auth_ledger, record_id) == []


def test_auth_non_ascii_password_is_a_clean_error(auth_ledger, cert, auth_server):
    """smtplib sends AUTH as ASCII only: a non-ASCII password is bad input (exit 2), not an internal error."""
    record_id = new_repair(auth_ledger)
    before = git_state(auth_ledger)
    result = mail(auth_ledger, auth_server.url, {**trusting(cert), "PROPCLI_SMTP_PASSWORD": "口令-s3cret"})
    assert result.exit_code == 2, (result.exit_code, result.output)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "ASCII" in message and "PROPCLI_SMTP_PASSWORD" in message
    assert "口令" not in result.output and "Traceback" not in result.output
    assert auth_server.envelopes == []
    assert git_state(auth_ledger) == before
    assert notices(auth_ledger, record_id) == []


# --- 4. untrusted certificate ------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["starttls", "smtps"])
def test_untrusted_certificate_is_exit_3_and_records_nothing(ledger, cert, kind, request):
    server = request.getfixturevalue(f"{kind}_server" if kind == "starttls" else "ssl_server")
    record_id = new_repair(ledger)
    before = git_state(ledger)
    result = mail(ledger, server.url, {"SSL_CERT_FILE": None})   # the system store does not know our cert
    assert_failed_and_nothing_recorded(ledger, record_id, before, result, "certificate")
    assert server.envelopes == []
