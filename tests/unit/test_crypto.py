"""Field encryption and sealed drafts."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from storage.crypto import FieldCipher


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(Fernet.generate_key())


def test_a_sealed_value_opens_with_the_same_binding_only(cipher):
    token = cipher.seal("电话13812345678".encode(), b"draft:1")
    assert b"13812345678" not in token
    assert cipher.open(token, b"draft:1").decode() == "电话13812345678"
    with pytest.raises(ValueError):
        cipher.open(token, b"draft:2")  # copied into another agent's row


def test_sealing_twice_gives_different_tokens_and_another_key_cannot_open(cipher):
    first, second = cipher.seal(b"x", b"a"), cipher.seal(b"x", b"a")
    assert first != second  # a fresh nonce each time
    with pytest.raises(ValueError):
        FieldCipher(Fernet.generate_key()).open(first, b"a")


def test_a_tampered_token_does_not_open(cipher):
    data = bytearray(cipher.seal(b"secret", b"a"))
    data[14] ^= 0x01  # one bit of the ciphertext
    with pytest.raises(ValueError):
        cipher.open(bytes(data), b"a")


def test_fields_round_trip_and_blind_indexes_are_keyed(cipher):
    assert cipher.decrypt(cipher.encrypt("110101197603050021")) == "110101197603050021"
    other = FieldCipher(Fernet.generate_key())
    assert cipher.blind_index("5678") == cipher.blind_index("5678") != other.blind_index("5678")
