"""The encrypted key store: round trip, wrong secret, file safety."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from nacl.signing import VerifyKey

from app.issuers.keys import KEYSTORE_FILE, KeyStore, KeyStoreError, WrongSecretError
from app.proofs.multikey import decode_public_key

SECRET = "correct horse battery staple 42"


def test_round_trip_signs_with_the_stored_key(tmp_path: Path) -> None:
    name, public = KeyStore(tmp_path, SECRET).generate("issuer-a")
    reopened = KeyStore(tmp_path, SECRET)  # a new process: nothing cached
    signature = reopened.signing_key(name).sign(b"message").signature
    VerifyKey(decode_public_key(public)).verify(b"message", signature)


def test_key_file_holds_no_clear_private_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, SECRET)
    name, _ = store.generate("issuer-a")
    seed = bytes(store.signing_key(name))
    raw = (tmp_path / name).read_bytes()
    assert seed not in raw and seed.hex().encode() not in raw
    record = json.loads(raw)
    assert set(record) == {"version", "algorithm", "publicKeyMultibase", "salt", "nonce",
                           "ciphertext"}


def test_files_are_private(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", SECRET)
    name, _ = store.generate("issuer-a")
    assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys" / KEYSTORE_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_wrong_secret_is_refused_and_files_untouched(tmp_path: Path) -> None:
    name, _ = KeyStore(tmp_path, SECRET).generate("issuer-a")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(WrongSecretError, match="wrong secret"):
        KeyStore(tmp_path, "another secret of enough length").open()
    with pytest.raises(WrongSecretError):
        KeyStore(tmp_path, "another secret of enough length").signing_key(name)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_tampered_key_file_fails_integrity(tmp_path: Path) -> None:
    name, _ = KeyStore(tmp_path, SECRET).generate("issuer-a")
    path = tmp_path / name
    record = json.loads(path.read_text())
    record["publicKeyMultibase"] = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    path.write_text(json.dumps(record))
    with pytest.raises(KeyStoreError, match="integrity"):
        KeyStore(tmp_path, SECRET).signing_key(name)


def test_missing_keystore_with_existing_keys_is_refused(tmp_path: Path) -> None:
    KeyStore(tmp_path, SECRET).generate("issuer-a")
    (tmp_path / KEYSTORE_FILE).unlink()
    with pytest.raises(KeyStoreError, match="refusing"):
        KeyStore(tmp_path, SECRET).open()
    assert not (tmp_path / KEYSTORE_FILE).exists()


def test_each_key_is_distinct(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, SECRET)
    results = [store.generate("issuer-a") for _ in range(3)]
    assert len({name for name, _ in results}) == 3
    assert len({public for _, public in results}) == 3
    assert all(public.startswith("z6Mk") for _, public in results)


def test_a_store_keeps_the_scrypt_cost_it_was_made_with(tmp_path: Path) -> None:
    """MCRED_KEY_SCRYPT_N sets the cost of a new store only: the default is RFC 7914's
    interactive 2**15, and a store made cheaper (as the tests do) opens with its own N."""
    KeyStore(tmp_path / "default", SECRET).open()
    kdf = json.loads((tmp_path / "default" / KEYSTORE_FILE).read_text())["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", 2**15, 8, 1)
    name, public = KeyStore(tmp_path / "cheap", SECRET, scrypt_n=2**10).generate("issuer-a")
    assert json.loads((tmp_path / "cheap" / KEYSTORE_FILE).read_text())["kdf"]["n"] == 2**10
    reopened = KeyStore(tmp_path / "cheap", SECRET)  # default N: the file's N is used
    signature = reopened.signing_key(name).sign(b"message").signature
    VerifyKey(decode_public_key(public)).verify(b"message", signature)
    with pytest.raises(WrongSecretError):
        KeyStore(tmp_path / "cheap", "another secret of enough length").open()
