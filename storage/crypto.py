"""Field encryption at rest, sealed conversation drafts, and keyed blind indexes for searching
encrypted numbers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_CHECK_LABEL = b"dangan-key-check-v1"


class FieldCipher:
    """Encrypts sensitive fields with Fernet; seals drafts with AES-GCM (a subkey of the same
    key); derives search indexes with HMAC-SHA256."""

    def __init__(self, key: bytes) -> None:
        """Raises ValueError (never quoting the key) unless ``key`` is 32 url-safe base64
        bytes."""
        try:
            raw = base64.urlsafe_b64decode(key)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ValueError("encryption key must be 32 url-safe base64 bytes")
        self._fernet = Fernet(key)
        self._check = hmac.new(raw, _CHECK_LABEL, hashlib.sha256).hexdigest()
        self._index_key = hashlib.sha256(b"dangan-blind-index" + raw).digest()
        seal_key = HKDF(SHA256(), length=32, salt=None, info=b"dangan-drafts").derive(raw)
        self._aead = AESGCM(seal_key)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise ValueError("cannot decrypt: wrong DANGAN_SECRET_KEY?") from error

    def seal(self, plaintext: bytes, bound_to: bytes) -> bytes:
        """Encrypt and authenticate ``plaintext`` (nonce + ciphertext + tag); it opens only with
        the same ``bound_to`` (so a sealed value copied into another row does not open). One C
        call each way: it runs twice on every message, where Fernet's Python layers cost ten
        times as much."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, bound_to)

    def open(self, sealed: bytes, bound_to: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], bound_to)
        except InvalidTag as error:
            raise ValueError("cannot open: wrong DANGAN_SECRET_KEY, or moved data") from error

    def blind_index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def check_value(self) -> str:
        """An HMAC of a fixed label under the key: tells keys apart, reveals nothing of them."""
        return self._check

    def matches(self, check_value: str) -> bool:
        return hmac.compare_digest(self._check, check_value)


def read_key(env_value: str | None, key_file: Path) -> bytes | None:
    """The key from the environment, else from ``key_file``; None when there is neither."""
    if env_value:
        return env_value.strip().encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    return None


def create_key_file(key_file: Path) -> tuple[bytes, bool]:
    """A new key in ``key_file`` (mode 0600), and True; or, when another process created the
    file first, its key and False. The file appears whole or not at all (a complete temporary
    file is linked into place), so a second process never reads half a key."""
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Fernet.generate_key()
    temporary = key_file.with_name(f".{key_file.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, key_file)
    except FileExistsError:
        return key_file.read_bytes().strip(), False
    finally:
        temporary.unlink(missing_ok=True)
    return key, True
