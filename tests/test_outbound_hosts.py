"""Odd spellings of hosts never reach a library that raises (once a 500), and refusals do not
tell which names resolve to internal addresses. No DNS query leaves the machine: every host
here is refused on its syntax, is an IP literal, or meets a patched resolver."""

from __future__ import annotations

import itertools
import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.outbound import OutboundError, OutboundPolicy, fetch

STRICT = OutboundPolicy(timeout=2)
LOOPBACK_SPELLINGS = [
    "0177.0.0.1", "127.000.000.001", "0x7f.0.0.1", "0x7f.1", "127.1", "2130706433",
    "017700000001", "0x7f000001", "①②⑦.0.0.1", "127.0.0.1.", "127.0.0.01", "0177.0.0.01",
    "127.0x0.0.1",
    "\uff11\uff12\uff17.\uff10.\uff10.\uff11",  # fullwidth digits
]


def _fuzzed_hosts() -> list[str]:
    """Each octet of 127.0.0.1 written plainly, zero-padded, octal or hex, in every mix."""
    forms = [["127", "0127", "0177", "0x7f", "0x7F", "00177"], ["0", "00", "0x0"],
             ["0", "000"], ["1", "01", "0x1", "001"]]
    hosts = [".".join(parts) for parts in itertools.product(*forms)]
    return [h for h in hosts if h != "127.0.0.1"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_legacy_and_unicode_ipv4_spellings_are_refused(host: str) -> None:
    with pytest.raises(OutboundError, match="is not a valid host name"):
        fetch(f"https://{host}/credential.json", STRICT)


def test_fuzzed_loopback_spellings_are_all_refused_cleanly() -> None:
    hosts = _fuzzed_hosts()
    assert len(hosts) == 6 * 3 * 2 * 4 - 1
    for host in hosts:
        with pytest.raises(OutboundError):
            fetch(f"https://{host}/x", STRICT)


@pytest.mark.parametrize("host", ["exa mple.org", "-bad.example.org", "a" * 64 + ".org",
                                  "xn--.org", "ex%41mple.org"])
def test_malformed_names_are_refused(host: str) -> None:
    with pytest.raises(OutboundError):
        fetch(f"https://{host}/x", STRICT)


def test_one_message_for_unresolvable_and_internal_names(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.example.org":
            return real("127.0.0.1", *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    messages = []
    for host in ("intranet.example.org", "nowhere.example.org"):
        with pytest.raises(OutboundError) as info:
            fetch(f"https://{host}/x", STRICT)
        messages.append(str(info.value).replace(host, "HOST"))
    assert messages[0] == messages[1]
    assert "127.0.0.1" not in messages[0]


@pytest.mark.parametrize("host", ["0177.0.0.1", "127.000.000.001", "①②⑦.0.0.1"])
def test_verify_by_url_answers_4xx_not_500(client: TestClient, host: str) -> None:
    response = client.get("/verify", params={"url": f"https://{host}/c.json"},
                          headers={"Accept": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("host", ["0177.0.0.1", "127.000.000.001", "%E2%91%A0.0.0.1"])
def test_did_web_and_status_list_hosts_answer_422_not_500(client: TestClient,
                                                         host: str) -> None:
    did = f"did:web:{host}"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"], "issuer": did, "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        "credentialStatus": {"id": f"https://{host.replace('%E2%91%A0', '①')}/l#1",
                             "type": "BitstringStatusListEntry",
                             "statusPurpose": "revocation", "statusListIndex": "1",
                             "statusListCredential": f"https://{host}/l"},
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                  "created": "2025-01-01T00:00:00Z", "proofPurpose": "assertionMethod",
                  "verificationMethod": f"{did}#key-1", "proofValue": "z" + "2" * 87},
    }
    response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    checks = {c["name"]: c for c in body["report"]["checks"]}
    assert checks["proof"]["status"] == "failed"
    assert checks["status"]["status"] == "failed"
