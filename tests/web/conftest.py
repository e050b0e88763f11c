import pytest


@pytest.fixture
def network(steward, make_coop, make_delegate, make_standard):
    """A small network: a member co-op with a delegate, a suspended co-op with one, an applicant."""
    from deliberate.members.services import change_coop_status

    member = make_coop(name="Kazi Riders")
    suspended = make_coop(name="Quiet Co-op")
    applicant = make_coop("applicant", name="New Co-op")
    delegate = make_delegate(coop=member, email="delegate@example.org")
    suspended_delegate = make_delegate(coop=suspended, email="suspended@example.org")
    change_coop_status(actor=steward, coop=suspended, status="suspended")
    standard = make_standard(title="Platform Co-op Principles")
    return {
        "steward": steward, "delegate": delegate, "suspended_delegate": suspended_delegate,
        "member": member, "suspended": suspended, "applicant": applicant, "standard": standard,
        "section": standard.sections[0],
    }


@pytest.fixture
def as_role(app, network, login):
    """A test client signed in as ``role`` (``observer`` stays anonymous)."""

    def make(role):
        client = app.test_client()
        if role != "observer":
            login(network[role], test_client=client)
        return client

    return make
