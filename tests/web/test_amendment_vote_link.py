"""An amendment's page points to the vote that decides it, while it is open and after."""
from __future__ import annotations

from datetime import timedelta

from deliberate.database import utcnow
from deliberate.proposals import services as proposals
from deliberate.voting import closing
from deliberate.voting import services as voting


def test_the_amendment_page_links_to_its_vote(client, network):
    section = network["section"]
    amendment = proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                            section=section, summary="Say it plainly.", proposed_title=section.title,
                                            proposed_body="Members own and run the platform.")
    amendment = proposals.open_amendment(actor=network["delegate"], amendment=amendment)
    path = f"/standards/{network['standard'].slug}/amendments/{amendment.id}"
    assert "amendment-vote" not in client.get(path).get_data(as_text=True)
    vote = voting.open_vote(actor=network["steward"], subject_kind="amendment", subject_id=amendment.id,
                            closes_at=utcnow() + timedelta(days=7))
    page = client.get(path).get_data(as_text=True)
    assert f'The member co-ops are voting on it: <a href="/votes/{vote.id}">vote {vote.id}</a>' in page
    closing.close_vote(actor=network["steward"], vote=vote)
    page = client.get(path).get_data(as_text=True)
    assert f'<a href="/votes/{vote.id}">Vote {vote.id}</a> (closed).' in page
