import pytest

from deliberate.members import passwords
from deliberate.members.passwords import hash_password, password_problem, verify_password


@pytest.fixture(autouse=True)
def owasp_parameters():
    passwords.configure()
    yield
    passwords.configure()


def test_argon2id_at_owasp_parameters():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "wrong password entirely")


@pytest.mark.parametrize("memory_kib, time_cost", [(1024, 2), (19 * 1024, 1)])
def test_weaker_parameters_are_refused_outside_tests(memory_kib, time_cost):
    with pytest.raises(ValueError, match="OWASP"):
        passwords.configure(memory_kib=memory_kib, time_cost=time_cost)


def test_the_app_hashes_at_owasp_parameters_unless_testing(tmp_path, monkeypatch):
    from deliberate import create_app

    monkeypatch.setenv("DELIBERATE_INSTANCE", str(tmp_path))
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "k" * 40}
    with pytest.raises(ValueError, match="OWASP"):
        create_app({**settings, "ARGON2_MEMORY_KIB": 256})
    create_app(settings)
    assert hash_password("another long password").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_missing_hash_never_verifies():
    assert verify_password(None, "anything at all") is False
    assert verify_password("not a hash", "anything at all") is False


@pytest.mark.parametrize("password, ok", [
    ("short", False), ("aaaaaaaaaaaa", False), ("x" * 201, False),
    ("ten chars!", True), ("three words together", True),
])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok
