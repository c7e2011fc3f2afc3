"""Guarded outbound HTTP: refusals without any network, and a real HTTPS fetch from a local
server with a self-signed certificate when the test policy allows loopback."""

from __future__ import annotations

import json
import time

import pytest

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
    ("https://[2002:7f00:1::1]/x", "non-public"),  # 6to4 wrapping 127.0.0.1
    ("https://[2002:a9fe:a9fe::1]/x", "non-public"),  # 6to4 wrapping 169.254.169.254
    ("https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x", "non-public"),  # Teredo, 10.0.0.1
    ("https://[fec0::1]/x", "non-public"),  # deprecated site-local
])
def test_refused_targets(url: str, reason: str) -> None:
    with pytest.raises(OutboundError, match=reason):
        fetch(url, STRICT)


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


def test_whole_fetch_has_a_deadline_not_only_each_read(https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, _ = https_server
    policy = OutboundPolicy(allow_private=True, ca_file=str(cert), timeout=1.0)
    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"did not answer within 1\.0 s"):
        fetch(f"https://localhost:{port}/drip", policy)  # a byte every 0.3 s for 12 s
    assert time.monotonic() - started < 6


def test_compressed_bodies_are_not_inflated_past_the_cap(https_server) -> None:  # type: ignore[no-untyped-def]
    port, cert, _ = https_server
    policy = OutboundPolicy(allow_private=True, ca_file=str(cert), max_bytes=10_000)
    with pytest.raises(OutboundError, match="compressed body"):
        fetch(f"https://localhost:{port}/gzip", policy)


def test_refusal_does_not_name_the_internal_address() -> None:
    with pytest.raises(OutboundError) as refused:
        fetch("https://localhost/x", STRICT)
    assert "127.0.0.1" not in str(refused.value) and "::1" not in str(refused.value)


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
