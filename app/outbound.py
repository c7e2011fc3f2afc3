"""Guarded outbound HTTP (did:web documents, status lists, credentials by URL).

Every connection goes to an address vetted at connect time (so DNS rebinding cannot swap it):
https only, no private, loopback, link-local, multicast, reserved or IPv4-mapped-private
addresses unless the caller's policy allows them (tests), redirects re-checked hop by hop,
response size and time capped.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from app.config import Settings
from app.errors import ProblemError


class OutboundError(Exception):
    """A URL that may not be fetched, or a fetch that failed; the message says which.
    ``status`` is the HTTP status when the server answered with one other than 200."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OutboundBusy(ProblemError):
    """Too many outbound fetches are in progress (overall or to that host). Not an
    OutboundError on purpose: it must not read as "could not resolve" or "could not be
    checked" deep inside a verification; the whole request answers 503 with Retry-After."""

    retry_after = 5

    def __init__(self, detail: str) -> None:
        super().__init__(503, "busy", "Too many outbound fetches in progress", detail,
                         headers={"Retry-After": str(self.retry_after)})


# Bounds on fetches in flight in this process. A host that never answers can hold at most
# PER_HOST slots (each for at most 2x the policy timeout); everything else, including
# fetches to other hosts and requests that need no fetch, keeps going. Waiting for a slot is
# short: a full queue is refused at once rather than piling up threads.
MAX_IN_FLIGHT = 32
PER_HOST = 4
SLOT_WAIT_SECONDS = 0.25
_slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)
_host_slots: dict[str, threading.BoundedSemaphore] = {}
_host_lock = threading.Lock()


@contextmanager
def _slot(host: str) -> Iterator[None]:
    with _host_lock:
        if host not in _host_slots and len(_host_slots) > 10_000:
            _host_slots.clear()  # bounded memory; in-flight holders keep their own object
        per_host = _host_slots.setdefault(host, threading.BoundedSemaphore(PER_HOST))
    if not per_host.acquire(timeout=SLOT_WAIT_SECONDS):
        raise OutboundBusy(f"too many fetches to {host} are in progress; try again shortly")
    try:
        if not _slots.acquire(timeout=SLOT_WAIT_SECONDS):
            raise OutboundBusy("too many outbound fetches are in progress; try again shortly")
        try:
            yield
        finally:
            _slots.release()
    finally:
        per_host.release()


@dataclass(frozen=True)
class OutboundPolicy:
    allow_private: bool = False  # tests only: loopback / private targets
    allow_http: bool = False  # tests only: plain http
    timeout: float = 5.0
    max_bytes: int = 1_048_576
    max_redirects: int = 3
    ca_file: str | None = None  # extra trust anchor (a test server's self-signed certificate)


def _address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
                     policy: OutboundPolicy) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return False
        # IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo) are judged by it.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not _address_allowed(embedded, policy):
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return False
    if ip.is_global:
        return True
    return policy.allow_private and (ip.is_private or ip.is_loopback)


def vet_host(host: str, port: int, policy: OutboundPolicy) -> list[str]:
    """Resolve ``host``; return its addresses if every one is allowed, else OutboundError."""
    # One message whether the name does not resolve or resolves to an address we refuse:
    # telling them apart (or naming the address) would let anyone map internal host names.
    refusal = OutboundError(f"{host} has no public address we may connect to (non-public or"
                            " unresolvable); refusing to connect")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise refusal from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    refused = [a for a in addresses if not _address_allowed(a, policy)]
    if refused or not addresses:
        raise refusal
    return list(dict.fromkeys(str(a) for a in addresses))


_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


def _check_host_name(host: str) -> None:
    """Refuse host names that are neither a DNS name nor a canonical IP literal.

    Legacy IPv4 spellings (octal 0177.0.0.1, zero-padded 127.000.000.001, hex 0x7f.1, a bare
    integer, or digits written with other Unicode characters such as ①②⑦.0.0.1) are read by
    some resolvers as loopback and refused by others: they are never legitimate, so refuse
    them all, with the same message, before any library sees them."""
    refusal = OutboundError(f"{host!r} is not a valid host name")
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise refusal from None
    labels = ascii_host.rstrip(".").lower().split(".")
    if not all(_LABEL.match(label) for label in labels) or len(ascii_host) > 253:
        raise refusal
    if all(_NUMERIC_LABEL.match(label) for label in labels):
        try:
            ipaddress.IPv4Address(ascii_host)  # canonical dotted quads only
        except ValueError:
            raise refusal from None
        if ascii_host != host:
            raise refusal


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to vetted addresses; TLS still verifies the original host name."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in vet_host(host, port, self.policy):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")


def _client(policy: OutboundPolicy) -> httpx.Client:
    context = ssl.create_default_context()
    if policy.ca_file:
        context.load_verify_locations(policy.ca_file)
    transport = httpx.HTTPTransport(verify=context)
    # httpx exposes no hook for the network backend; swap the pool for one that has ours.
    transport._pool = httpcore.ConnectionPool(ssl_context=context,
                                              network_backend=_GuardedBackend(policy))
    return httpx.Client(transport=transport, timeout=policy.timeout, follow_redirects=False,
                        trust_env=False)


def check_url(url: str, policy: OutboundPolicy) -> None:
    parts = urlsplit(url)
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in allowed:
        raise OutboundError(f"only {' or '.join(allowed)} URLs may be fetched, not {url!r}")
    if not parts.hostname:
        raise OutboundError(f"URL without a host: {url!r}")
    if parts.username or parts.password:
        raise OutboundError("URLs with credentials are refused")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        _check_host_name(parts.hostname)
        return
    if not _address_allowed(literal, policy):
        raise OutboundError(f"{parts.hostname} is a non-public address; refusing to connect")


def fetch(url: str, policy: OutboundPolicy, accept: str = "application/json",
          headers: dict[str, str] | None = None) -> tuple[bytes, str]:
    """GET ``url`` under ``policy``; returns (body, content type). Raises OutboundError.

    ``policy.timeout`` bounds the whole fetch (redirects and a slow drip of bytes included),
    not only each read; bodies are asked for uncompressed so the size cap counts what the
    server sends, not what a small gzip bomb would inflate to. Extra ``headers`` (an
    Authorization) go only to the first URL's origin, never to a redirect elsewhere."""
    check_url(url, policy)
    with _slot(urlsplit(url).hostname or ""):
        return _fetch(url, policy, accept, headers or {})


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def _fetch(url: str, policy: OutboundPolicy, accept: str,
           extra: dict[str, str]) -> tuple[bytes, str]:
    deadline = time.monotonic() + policy.timeout
    origin = _origin(url)
    with _client(policy) as client:
        for _ in range(policy.max_redirects + 1):
            check_url(url, policy)
            with _as_outbound_error(url, policy, "fetching"):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise httpx.TimeoutException("deadline")
                # A connect or read waits at most what was left when this hop began, and the
                # deadline is checked after every chunk: a fetch ends within 2x the timeout
                # even against a server that drips bytes and then stalls.
                headers = {"Accept": accept, "Accept-Encoding": "identity",
                           **(extra if _origin(url) == origin else {})}
                with client.stream("GET", url, headers=headers,
                                   timeout=remaining) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code != 200:
                        raise OutboundError(f"{url} answered HTTP {response.status_code}",
                                            status=response.status_code)
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                        raise OutboundError(f"{url} is larger than {policy.max_bytes} bytes")
                    return (_read_body(response, url, policy, deadline),
                            response.headers.get("content-type", ""))
        raise OutboundError(f"more than {policy.max_redirects} redirects from {url}")


@contextmanager
def _as_outbound_error(url: str, policy: OutboundPolicy, doing: str) -> Iterator[None]:
    """httpx's failures as one OutboundError each, in words (a refusal by our own connect-time
    check, raised inside httpx, comes out as itself)."""
    try:
        yield
    except httpx.InvalidURL:
        raise OutboundError(f"{url!r} is not a valid URL") from None
    except httpx.TimeoutException:
        raise OutboundError(f"{url} did not answer within {policy.timeout} s") from None
    except httpx.HTTPError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OutboundError):
            raise cause from None
        raise OutboundError(f"{doing} {url} failed: {exc}") from None


def _read_body(response: httpx.Response, url: str, policy: OutboundPolicy,
               deadline: float) -> bytes:
    """The response body as it streams in, refused past ``policy.max_bytes`` or the deadline,
    and refused compressed (a small answer must not unpack into a large one)."""
    if response.headers.get("content-encoding", "identity") != "identity":
        raise OutboundError(f"{url} sent a compressed body although asked not to")
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > policy.max_bytes:
            raise OutboundError(f"{url} is larger than {policy.max_bytes} bytes")
        if time.monotonic() > deadline:
            raise httpx.TimeoutException("deadline")
    return bytes(body)


def outbound_policy(settings: Settings, max_bytes: int = 1_048_576) -> OutboundPolicy:
    """The policy the service's settings allow (private targets and extra CA: tests only)."""
    return OutboundPolicy(allow_private=settings.outbound_allow_private,
                          ca_file=str(settings.outbound_ca_file)
                          if settings.outbound_ca_file else None, max_bytes=max_bytes)


def post_form(url: str, data: dict[str, str], policy: OutboundPolicy,
              headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """POST ``data`` form-encoded to ``url`` under ``policy`` (an OAuth token endpoint);
    returns (status, body, content type) whatever the status, since such endpoints explain
    a refusal in a 400 body. Redirects are not followed: a POST must not be replayed
    elsewhere. Raises OutboundError when the URL is refused or the exchange fails."""
    check_url(url, policy)
    sent = {"Accept": "application/json", "Accept-Encoding": "identity", **(headers or {})}
    deadline = time.monotonic() + policy.timeout
    with _slot(urlsplit(url).hostname or ""), _client(policy) as client, \
            _as_outbound_error(url, policy, "posting to"), \
            client.stream("POST", url, data=data, headers=sent) as response:
        return (response.status_code, _read_body(response, url, policy, deadline),
                response.headers.get("content-type", ""))
