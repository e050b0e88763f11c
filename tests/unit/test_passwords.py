import pytest

from deliberate.members.passwords import hash_password, password_problem, verify_password


def test_argon2id_at_owasp_parameters():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "wrong password entirely")


def test_missing_hash_never_verifies():
    assert verify_password(None, "anything at all") is False
    assert verify_password("not a hash", "anything at all") is False


@pytest.mark.parametrize("password, ok", [
    ("short", False), ("aaaaaaaaaaaa", False), ("x" * 201, False),
    ("ten chars!", True), ("three words together", True),
])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok
