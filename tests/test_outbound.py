"""Guarded outbound HTTP: refusals without any network, and a real HTTPS fetch from a local
server with a self-signed certificate when the test policy allows loopback."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.dids.document import VerificationMethod, did_document
from app.dids.resolver import DidResolver
from app.outbound import OutboundError, OutboundPolicy, fetch
from app.proofs.errors import ProofError

STRICT = OutboundPolicy()


@pytest.mark.parametrize(("url", "reason"), [
    ("http://example.org/x", "only https"),
    ("ftp://example.org/x", "only https"),
    ("https://127.0.0.1/x", "non-public"),
    ("https://10.1.2.3/x", "non-public"),
    ("https://169.254.169.254/latest/meta-data", "non-public"),
    ("https://[::1]/x", "non-public"),
    ("https://[::ffff:192.168.0.1]/x", "non-public"),
    ("https://user:pw@example.org/x", "credentials"),
    ("https://localhost/x", "non-public"),
])
def test_refused_targets(url: str, reason: str) -> None:
    with pytest.raises(OutboundError, match=reason):
        fetch(url, STRICT)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[int, Path, dict[str, bytes]]]:
    routes: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/redirect-to/"):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/redirect-to"))
                self.end_headers()
                return
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"{}")

        def log_message(self, *args: object) -> None:
            pass

    cert, key = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert, routes
    server.shutdown()
    server.server_close()


def test_loopback_https_fetch_when_allowed(https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, routes = https_server
    routes["/doc.json"] = b'{"ok": true}'
    policy = OutboundPolicy(allow_private=True, ca_file=str(cert))
    body, content_type = fetch(f"https://localhost:{port}/doc.json", policy)
    assert json.loads(body) == {"ok": True}
    assert content_type == "application/json"
    # the same server is refused under the default policy
    with pytest.raises(OutboundError, match="non-public"):
        fetch(f"https://localhost:{port}/doc.json", OutboundPolicy(ca_file=str(cert)))


def test_size_cap(https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, routes = https_server
    routes["/big.json"] = b"[" + b"0," * 5000 + b"0]"
    policy = OutboundPolicy(allow_private=True, ca_file=str(cert), max_bytes=1000)
    with pytest.raises(OutboundError, match="larger than 1000 bytes"):
        fetch(f"https://localhost:{port}/big.json", policy)


def test_untrusted_certificate_is_refused(https_server) -> None:  # type: ignore[no-untyped-def]
    port, _, routes = https_server
    routes["/doc.json"] = b"{}"
    with pytest.raises(OutboundError, match="fetching"):
        fetch(f"https://localhost:{port}/doc.json", OutboundPolicy(allow_private=True))


def test_redirects_are_followed_and_rechecked(https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, routes = https_server
    routes["/final.json"] = b'{"final": 1}'
    policy = OutboundPolicy(allow_private=True, ca_file=str(cert))
    body, _ = fetch(f"https://localhost:{port}/redirect-to/final.json", policy)
    assert json.loads(body) == {"final": 1}
    # a redirect into plain http is refused at the hop
    routes.clear()
    with pytest.raises(OutboundError):
        fetch(f"https://localhost:{port}/redirect-to/http://localhost:{port}/x", policy)


def test_remote_did_web_resolution(https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, routes = https_server
    did = f"did:web:localhost%3A{port}:issuers:x"
    public = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    routes["/issuers/x/did.json"] = json.dumps(
        did_document(did, [VerificationMethod(did, "key-1", public)])).encode()
    resolver = DidResolver(policy=OutboundPolicy(allow_private=True, ca_file=str(cert)))
    key = resolver.resolve_key(f"{did}#key-1", "assertionMethod")
    assert key.controller == did
    routes.clear()  # cached: the second resolution does not need the server
    assert resolver.resolve_key(f"{did}#key-1", "assertionMethod").public_key == key.public_key
    with pytest.raises(ProofError) as info:
        DidResolver().resolve_key(f"{did}#key-1", "assertionMethod")
    assert info.value.code == ProofError.VM_RESOLUTION
