"""Encrypted key store under KEYS_DIR: Ed25519 keys (Data Integrity proofs) and P-256 keys
(ES256, for SD-JWT VCs and their status list tokens).

A key-encryption key (KEK) is derived once per process from the secret with scrypt and a salt
kept in ``keystore.json``; each key file gets its own HKDF subkey (random salt) and is sealed
with AES-256-GCM, its file name and public key bound as associated data. Files are created
with O_EXCL and mode 0600, so an existing key is never overwritten. A P-256 key file has the
same fields (``algorithm`` "P-256", its 32-byte private scalar sealed, ``publicKeyMultibase``
the P-256 Multikey of its compressed point), so one reader opens both kinds.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from nacl.signing import SigningKey

from app.proofs.multikey import encode_base58btc, encode_public_key

KEYSTORE_FILE = "keystore.json"
_CHECK_PLAINTEXT = b"mcred keystore v1"
SCRYPT_N = 2**15  # the cost of a new store unless MCRED_KEY_SCRYPT_N says otherwise
_SCRYPT = {"r": 8, "p": 1}
# Multicodec varint prefix of p256-pub (0x1200), for the P-256 Multikey of a key file.
P256_PUB_PREFIX = b"\x80\x24"


class KeyStoreError(Exception):
    """The key store cannot be used as configured."""


class WrongSecretError(KeyStoreError):
    """The key-encryption secret does not open this key store."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _write_new(path: Path, payload: dict) -> None:
    """Create ``path`` with mode 0600; fail if it exists (never overwrite key material)."""
    data = json.dumps(payload, indent=2, sort_keys=True).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


class KeyStore:
    """Creates and opens encrypted Ed25519 private keys in one folder."""

    def __init__(self, directory: Path, secret: str, scrypt_n: int = SCRYPT_N) -> None:
        self.directory = Path(directory)
        self._secret = secret.encode("utf-8")
        # Used only to create the store; an existing one is opened with the N it was made with.
        self._new_kdf = {"n": scrypt_n, **_SCRYPT}
        self._kek: bytes | None = None
        self._cache: dict[str, SigningKey] = {}
        self._p256_cache: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._lock = threading.Lock()

    def secret_text(self) -> str:
        """The secret, for a signing process that opens this store itself (never logged)."""
        return self._secret.decode("utf-8")

    def open(self) -> None:
        """Create the store on first use, else prove the secret opens it (WrongSecretError)."""
        with self._lock:
            self._open_locked()

    def _open_locked(self) -> None:
        if self._kek is not None:
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        meta_path = self.directory / KEYSTORE_FILE
        if not meta_path.exists():
            if any(self.directory.glob("*.key")):
                raise KeyStoreError(
                    f"{meta_path} is missing but key files exist; refusing to start a new store"
                )
            salt = secrets.token_bytes(16)
            kek = self._derive_kek(salt, self._new_kdf)
            nonce = secrets.token_bytes(12)
            check = AESGCM(kek).encrypt(nonce, _CHECK_PLAINTEXT, b"check")
            _write_new(meta_path, {"version": 1, "kdf": {"name": "scrypt", **self._new_kdf,
                                                          "salt": _b64(salt)},
                                   "check": {"nonce": _b64(nonce), "ciphertext": _b64(check)}})
            self._kek = kek
            return
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            kdf = meta["kdf"]
            kek = self._derive_kek(_unb64(kdf["salt"]), {k: kdf[k] for k in ("n", "r", "p")})
            check = meta["check"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError(f"{meta_path} is unreadable or corrupt: {exc}") from exc
        try:
            AESGCM(kek).decrypt(_unb64(check["nonce"]), _unb64(check["ciphertext"]), b"check")
        except InvalidTag:
            raise WrongSecretError(
                f"MCRED_KEY_SECRET does not open the key store in {self.directory}"
                " (wrong secret?); key files left untouched"
            ) from None
        self._kek = kek

    def _derive_kek(self, salt: bytes, params: dict) -> bytes:
        return Scrypt(salt=salt, length=32, **params).derive(self._secret)

    def _file_key(self, salt: bytes) -> bytes:
        assert self._kek is not None
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                    info=b"mcred key file").derive(self._kek)

    def _seal_new(self, owner: str, algorithm: str, secret: bytes, public: str) -> str:
        """Write a new sealed key file for ``owner``; returns its name (lock held)."""
        name = f"{owner}-{secrets.token_hex(8)}.key"
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        aad = f"{name}|{public}".encode()
        sealed = AESGCM(self._file_key(salt)).encrypt(nonce, secret, aad)
        _write_new(self.directory / name, {
            "version": 1, "algorithm": algorithm, "publicKeyMultibase": public,
            "salt": _b64(salt), "nonce": _b64(nonce), "ciphertext": _b64(sealed)})
        return name

    def _unseal_file(self, name: str, algorithm: str) -> tuple[bytes, str, Path]:
        """(secret, publicKeyMultibase, path) of key file ``name`` of ``algorithm`` (lock held)."""
        self._open_locked()
        if "/" in name or "\\" in name or name.startswith("."):
            raise KeyStoreError(f"invalid key file name {name!r}")
        path = self.directory / name
        try:
            record = json.loads(path.read_text("utf-8"))
            public = record["publicKeyMultibase"]
            salt, nonce = _unb64(record["salt"]), _unb64(record["nonce"])
            sealed = _unb64(record["ciphertext"])
            found = record.get("algorithm", "Ed25519")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyStoreError(f"key file {path} is unreadable or corrupt: {exc}") from exc
        if found != algorithm:
            raise KeyStoreError(f"key file {path} holds a {found} key, not {algorithm}")
        try:
            secret = AESGCM(self._file_key(salt)).decrypt(nonce, sealed,
                                                          f"{name}|{public}".encode())
        except InvalidTag:
            raise KeyStoreError(f"key file {path} fails its integrity check") from None
        return secret, public, path

    def generate(self, owner: str) -> tuple[str, str]:
        """Create a new key for ``owner``; returns (file name, publicKeyMultibase)."""
        with self._lock:
            self._open_locked()
            signing_key = SigningKey.generate()
            public = encode_public_key(bytes(signing_key.verify_key))
            name = self._seal_new(owner, "Ed25519", bytes(signing_key), public)
            self._cache[name] = signing_key
            return name, public

    def signing_key(self, name: str) -> SigningKey:
        """Open the private key in file ``name`` (cached in memory once opened)."""
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None:
                return cached
            seed, public, path = self._unseal_file(name, "Ed25519")
            key = SigningKey(seed)
            if encode_public_key(bytes(key.verify_key)) != public:
                raise KeyStoreError(f"key file {path} does not match its public key")
            self._cache[name] = key
            return key

    def generate_p256(self, owner: str) -> tuple[str, ec.EllipticCurvePublicKey]:
        """Create a new P-256 (ES256) key for ``owner``; returns (file name, public key)."""
        with self._lock:
            self._open_locked()
            private = ec.generate_private_key(ec.SECP256R1())
            name = self._seal_new(owner, "P-256", _p256_scalar(private),
                                  p256_multikey(private.public_key()))
            self._p256_cache[name] = private
            return name, private.public_key()

    def p256_key(self, name: str) -> ec.EllipticCurvePrivateKey:
        """Open the P-256 private key in file ``name`` (cached in memory once opened)."""
        with self._lock:
            cached = self._p256_cache.get(name)
            if cached is not None:
                return cached
            scalar, public, path = self._unseal_file(name, "P-256")
            try:
                key = ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())
            except ValueError as exc:
                raise KeyStoreError(f"key file {path} holds no P-256 key: {exc}") from None
            if p256_multikey(key.public_key()) != public:
                raise KeyStoreError(f"key file {path} does not match its public key")
            self._p256_cache[name] = key
            return key

    def readable(self, name: str) -> bool:
        """True when the key file opens (used by /health)."""
        try:
            self.signing_key(name)
        except KeyStoreError:
            return False
        return True

    # Small secrets kept in the database (an SSO client secret) are sealed with the same KEK as
    # the key files, under a subkey of their own: a database copy without MCRED_KEY_SECRET
    # reveals nothing, and ``context`` (bound as associated data) stops a sealed value from
    # being moved to another row or purpose.
    def seal(self, plaintext: bytes, context: str) -> str:
        """``plaintext`` encrypted (AES-256-GCM, fresh HKDF subkey), as cookie-safe text."""
        with self._lock:
            self._open_locked()
            salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
            sealed = AESGCM(self._value_key(salt)).encrypt(nonce, plaintext, context.encode())
        return "v1." + ".".join(base64.urlsafe_b64encode(part).decode("ascii").rstrip("=")
                                for part in (salt, nonce, sealed))

    def unseal(self, text: str, context: str) -> bytes:
        """The plaintext of ``seal(plaintext, context)``; KeyStoreError when it is not one."""
        try:
            version, *parts = text.split(".")
            salt, nonce, sealed = (base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))
                                   for p in parts)
            if version != "v1" or len(salt) != 16 or len(nonce) != 12:
                raise ValueError(version)
        except (ValueError, TypeError):
            raise KeyStoreError("not a sealed value") from None
        with self._lock:
            self._open_locked()
            key = self._value_key(salt)
        try:
            return AESGCM(key).decrypt(nonce, sealed, context.encode())
        except InvalidTag:
            raise KeyStoreError("sealed value fails its integrity check") from None

    def _value_key(self, salt: bytes) -> bytes:
        assert self._kek is not None
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                    info=b"mcred sealed value").derive(self._kek)


def _p256_scalar(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(32, "big")


def p256_multikey(public: ec.EllipticCurvePublicKey) -> str:
    """The P-256 Multikey (``zDn…``) of a public key: multicodec p256-pub, compressed point."""
    point = public.public_bytes(serialization.Encoding.X962,
                                serialization.PublicFormat.CompressedPoint)
    return encode_base58btc(P256_PUB_PREFIX + point)
