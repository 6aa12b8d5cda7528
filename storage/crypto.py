"""Field encryption at rest, sealed conversation drafts, and keyed blind indexes for searching
encrypted numbers."""

from __future__ import annotations

import base64
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


class FieldCipher:
    """Encrypts sensitive fields with Fernet; seals drafts with AES-GCM (a subkey of the same
    key); derives search indexes with HMAC-SHA256."""

    def __init__(self, key: bytes) -> None:
        raw = base64.urlsafe_b64decode(key)
        if len(raw) != 32:
            raise ValueError("encryption key must be 32 url-safe base64 bytes")
        self._fernet = Fernet(key)
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


def load_or_create_key(env_value: str | None, key_file: Path) -> bytes:
    """The key from the environment, else from ``key_file`` (created with mode 0600)."""
    if env_value:
        return env_value.strip().encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
