""".ci/audit (pip-audit over what the pinned requirements install) fails on a known vulnerability, and says
loudly what it could not audit when the vulnerability feed cannot answer (failing then only when asked to).

The test answers in PyPI's place on 127.0.0.1: pip-audit reaches "pypi.org" through a local proxy that
holds a certificate for it, signed by a throwaway authority only this test trusts.
"""

import http.server
import json
import os
import shutil
import socketserver
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test's certificate")

VULNERABILITY = {
    "id": "PYSEC-0000-FACTBASE-TEST", "aliases": ["CVE-0000-00000"], "fixed_in": ["999.0"],
    "summary": "A hole made up by this test", "withdrawn": None,
}


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """PyPI's JSON API, as pip-audit reads it: GET /pypi/<name>/<version>/json."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        _, name, version, _ = self.path.strip("/").split("/")
        self.server.asked.append(name)
        status, vulnerabilities = self.server.answer(name, version)
        body = json.dumps({"info": {"name": name, "version": version}, "vulnerabilities": vulnerabilities}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Tunnel(socketserver.StreamRequestHandler):
    """An HTTPS proxy that lets its client reach pypi.org only, and is pypi.org itself."""

    def handle(self):
        target = self.rfile.readline().split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        if target[:2] != [b"CONNECT", b"pypi.org:443"]:
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        with self.server.tls.wrap_socket(self.request, server_side=True) as tls:
            FeedHandler(tls, self.client_address, self.server)


class FakeFeed(socketserver.ThreadingTCPServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=pypi.org", "-addext", "subjectAltName=DNS:pypi.org",
                    "-keyout", folder / "key.pem", "-out", folder / "cert.pem"],
                   check=True, capture_output=True, timeout=60)
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def feed(certificate):
    server = FakeFeed(("127.0.0.1", 0), Tunnel)
    server.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.tls.load_cert_chain(*certificate)
    server.asked = []
    server.answer = lambda name, version: (200, [])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def audit(feed, certificate, tmp_path, **extra):
    proxy = f"http://127.0.0.1:{feed.server_address[1]}"
    unset = {"NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(HTTPS_PROXY=proxy, https_proxy=proxy, REQUESTS_CA_BUNDLE=str(certificate[0]),
               XDG_CACHE_HOME=str(tmp_path / "cache"), **extra)
    return subprocess.run([ROOT / ".ci" / "audit"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_audit_passes_when_no_installed_package_has_a_known_vulnerability(feed, certificate, tmp_path):
    result = audit(feed, certificate, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No known vulnerabilities found" in result.stderr
    # It audits what the pins installed, the application's dependencies and the tools alike.
    assert {"django", "django-axes", "gunicorn", "pytest", "asgiref"} <= set(feed.asked)


def test_the_audit_fails_on_a_known_vulnerability_in_a_pinned_requirement(feed, certificate, tmp_path):
    feed.answer = lambda name, version: (200, [VULNERABILITY] if name == "django" else [])
    result = audit(feed, certificate, tmp_path)
    assert result.returncode != 0
    assert "django" in result.stdout and "PYSEC-0000-FACTBASE-TEST" in result.stdout and "999.0" in result.stdout


def test_what_the_feed_cannot_answer_for_is_said_to_be_unaudited_and_fails_when_required(feed, certificate,
                                                                                        tmp_path):
    # What a mirror without PyPI's per-version JSON answers: unaudited is said, never passed off as safe.
    feed.answer = lambda name, version: (404, [])
    result = audit(feed, certificate, tmp_path)
    assert result.returncode == 0, "an outage of the feed is not a vulnerability"
    assert "NOT AUDITED" in result.stderr and "could not be audited" in result.stderr
    assert "No known vulnerabilities found" not in result.stderr
    required = audit(feed, certificate, tmp_path, AUDIT_REQUIRED="1")
    assert required.returncode != 0
