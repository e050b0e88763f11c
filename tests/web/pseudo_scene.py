"""A network with something of everything a page can show, built through the services, for the
pseudo-locale test (tests/web/test_pseudo_locale.py).

Every text a member would write (names, titles, sections, amendments, comments, notes, reasons) passes
through ``said()`` and is written in Swahili, so that the test can tell it from interface text: the test
allows exactly the words of ``SAID`` and checks that none of them is a word of the interface. What the
platform writes by itself (explanations, notes, titles of votes, default names) is never passed through
``said()``: it must reach the page through the catalogue.
"""
from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import TEST_PASSWORD

SAID: list[str] = []


def said(text: str) -> str:
    """A member's text: kept, so that the test knows its words."""
    SAID.append(text)
    return text


def build_scene() -> dict:
    """Build the network (inside an app context) and return the pages to read, by role."""
    from sqlalchemy import select

    from deliberate.api import tokens
    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.extensions import db
    from deliberate.follows import services as follows
    from deliberate.members import services as members
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing, objections
    from deliberate.voting import services as voting
    from deliberate.voting.models import Vote
    from deliberate.webhooks import services as webhooks

    week = utcnow() + timedelta(days=7)
    steward = members.create_steward(email=said("neema@ushirika.ke"), name=said("Neema Mwangi"), password=TEST_PASSWORD)

    def coop(name: str, country: str, kind: str, status: str = "member"):
        made = members.register_coop(actor=steward, name=said(name), country=country, kind=kind,
                                     description=said(f"{name} ni chama cha wanachama wake."),
                                     website=said(f"https://{name.split()[0].lower()}.ushirika.ke"))
        if status != "applicant":
            made = members.change_coop_status(actor=steward, coop=made, status="member",
                                              reason=said("Imekubaliwa na mkutano mkuu"))
        return made

    def delegate(of, name: str):
        email = said(f"{name.split()[0].lower()}@ushirika.ke")
        _invitation, token = members.invite_delegate(actor=steward, coop=of)
        return members.accept_invitation(token=token, name=said(name), email=email, password=TEST_PASSWORD)

    kazi, wakulima = coop("Kazi Pamoja", "KE", "worker"), coop("Wakulima Umoja", "TZ", "platform")
    jamii, mtandao = coop("Jamii Haki", "KE", "data"), coop("Mtandao Wetu", "UG", "consumer")
    mali = coop("Mali Yetu", "KE", "worker")
    kipya = coop("Chama Kipya", "KE", "worker", status="applicant")
    mpya = coop("Umoja Mpya", "RW", "multi-stakeholder", status="applicant")
    tano = coop("Chama Tano", "KE", "other", status="applicant")
    juma, amani = delegate(kazi, "Juma Baraka"), delegate(wakulima, "Amani Zawadi")
    tatu, saba = delegate(jamii, "Tatu Kesho"), delegate(mtandao, "Saba Nane")
    pili = delegate(mali, "Pili Kumi")
    members.change_coop_status(actor=steward, coop=mali, status="suspended", reason=said("Hawajalipa ada"))
    ballots = {juma: kazi, amani: wakulima, tatu: jamii, saba: mtandao}

    standard = standards.create_standard(
        actor=steward, title=said("Kanuni za Ushirika"), summary=said("Kanuni tunazoshiriki sote."),
        sections=[(said("Umiliki wa wanachama"), said("Wanachama wanamiliki jukwaa.\n\nKila mwanachama ana sauti sawa.")),
                  (said("Haki za takwimu"), said("Wanachama wanamiliki takwimu zao.\n\nWanaweza kuzipakua wakati wowote.")),
                  (said("Uwazi wa hesabu"), said("Chama kinachapisha hesabu zake.\n\nMabadiliko yanatangazwa mapema.")),
                  (said("Malipo ya haki"), said("Kazi inalipwa kwa haki na kwa wakati.")),
                  (said("Ushirikiano"), said("Vyama vinasaidiana."))])
    follows.follow_standard(actor=juma, standard=standard)
    # A draft standard: its text is edited directly (once the first standard is a candidate, only
    # amendments change it), so the edit pages are read on this one.
    draft = standards.create_standard(actor=steward, title=said("Sera ya Takwimu"), summary=said("Sera ya mfano."),
                                      sections=[(said("Wigo"), said("Sera hii inahusu kumbukumbu zote."))])

    def section(title: str):
        return next(s for s in standards.get_standard(standard.slug).sections if s.title == title)

    one = section("Umiliki wa wanachama")
    standards.revise_section(actor=juma, section=one, title=one.title, body=said(
        "Wanachama wanamiliki jukwaa pamoja.\n\nKila mwanachama ana sauti sawa."),
        message=said("Maneno mapya kutoka kwa wanachama"), base_revision_id=one.head_revision_id, coop=kazi)

    def decide(kind: str, subject_id: int, choices: dict, preset: str | None = None, **options):
        vote = voting.open_vote(actor=steward, subject_kind=kind, subject_id=subject_id, closes_at=week,
                                rule_preset=preset, **options)
        for person, choice in choices.items():
            if isinstance(choice, list):
                voting.cast_ballot(actor=person, vote=vote, coop=ballots[person], ranking=choice)
            else:
                voting.cast_ballot(actor=person, vote=vote, coop=ballots[person], choice=choice)
        return vote

    everyone_for = dict.fromkeys(ballots, "for")
    # Version 1.0, ratified; the standard becomes a candidate.
    first = versions.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                      summary=said("Maandishi ya kwanza."))
    closing.close_vote(actor=steward, vote=decide("version", first.id, everyone_for))
    closing.close_vote(actor=steward, vote=decide("maturity", standard.id, everyone_for))

    def amend(person, title: str, old: str, new: str, name: str, open_: bool = True):
        target = section(title)
        assert old in target.body, (title, old)
        made = proposals.propose_amendment(
            actor=person, standard=standards.get_standard(standard.slug), kind="modify", section=target,
            summary=said(f"Badilisha {name.lower()}."), rationale=said("Ni rahisi kusoma hivi."),
            proposed_title=target.title, proposed_body=said(target.body.replace(old, new)), name=said(name),
            coop=ballots.get(person))
        return proposals.open_amendment(actor=person, amendment=made) if open_ else made

    # Open for discussion, a private draft, a withdrawn one.
    open_one = amend(juma, "Umiliki wa wanachama", "pamoja.", "pamoja kwa usawa.", "Usawa wa umiliki")
    amend(amani, "Malipo ya haki", "kwa wakati.", "kwa wakati na kwa uwazi.", "Malipo wazi", open_=False)
    withdrawn = amend(tatu, "Malipo ya haki", "kwa haki", "kwa haki kabisa", "Haki kabisa")
    proposals.withdraw_amendment(actor=tatu, amendment=withdrawn, note=said("Tumebadili mawazo."))

    # Adopted by consent after an objection was resolved; a second amendment on the same section is
    # brought up to date underneath it, a third (same words) becomes conflicted.
    adopted = amend(juma, "Uwazi wa hesabu", "hesabu zake.", "hesabu zake kila robo mwaka.", "Hesabu kila robo")
    rebased = amend(amani, "Uwazi wa hesabu", "yanatangazwa mapema.", "yanatangazwa mwezi mmoja kabla.", "Tangazo la mwezi")
    conflicted = amend(juma, "Uwazi wa hesabu", "hesabu zake.", "hesabu zake zote.", "Hesabu zote")
    consent_vote = decide("amendment", adopted.id, {juma: "consent", tatu: "stand_aside"}, preset="consent")
    objection = objections.raise_objection(actor=amani, vote=consent_vote, coop=wakulima,
                                           argument=said("Robo mwaka ni mara nyingi mno."), passage=said("kila robo mwaka"))
    objections.resolve_objection(actor=steward, objection=objection, note=said("Tumekubaliana mkutanoni."))
    closing.close_vote(actor=steward, vote=consent_vote)
    closing.add_outcome_statement(actor=steward, vote=consent_vote, review_date=date.today() + timedelta(days=365),
                                  text=said("Hesabu zitachapishwa kila robo mwaka."))

    # Rejected by unanimity; competing amendments decided by ranked choice.
    rejected = amend(saba, "Haki za takwimu", "wakati wowote.", "wakati wowote bila malipo.", "Bila malipo")
    closing.close_vote(actor=steward, vote=decide("amendment", rejected.id, {juma: "for", amani: "against", tatu: "for"},
                                                   preset="unanimity"))
    rival_a = amend(juma, "Ushirikiano", "Vyama vinasaidiana.", "Vyama vinasaidiana kwa ujuzi.", "Ujuzi")
    rival_b = amend(amani, "Ushirikiano", "Vyama vinasaidiana.", "Vyama vinasaidiana kwa mtaji.", "Mtaji")
    group = proposals.group_competing(actor=steward, amendments=[rival_a, rival_b], title=said("Namna ya kusaidiana"))
    ranked = decide("group", group.id, {juma: [rival_a.reference, rival_b.reference, "status_quo"],
                                        amani: [rival_b.reference, rival_a.reference, "status_quo"],
                                        tatu: [rival_a.reference, "status_quo", rival_b.reference],
                                        saba: []}, preset="ranked")
    closing.close_vote(actor=steward, vote=ranked)

    # Two amendments to one section under vote at once: adopting one cancels the other's vote (its
    # text is brought up to date and it must be voted again).
    first_up = amend(saba, "Haki za takwimu", "Wanachama wanamiliki takwimu zao.", "Wanachama pekee wanamiliki takwimu zao.",
                     "Wamiliki pekee")
    second_up = amend(tatu, "Haki za takwimu", "wakati wowote.", "wakati wowote, kwa muundo wazi.", "Muundo wazi")
    cancelled_by_base = decide("amendment", second_up.id, {juma: "for"}, preset="simple-majority")
    closing.close_vote(actor=steward, vote=decide("amendment", first_up.id, everyone_for, preset="simple-majority"))

    # Open votes: a simple majority with ballots, and a consent vote with an objection and a concern.
    voting_now = amend(amani, "Malipo ya haki", "na kwa wakati.", "na kwa wakati, kila mwezi.", "Kila mwezi")
    open_majority = decide("amendment", voting_now.id, {amani: "for", tatu: "against"}, preset="simple-majority")
    consent_open = amend(saba, "Umiliki wa wanachama", "sauti sawa.", "sauti sawa katika kila uamuzi.", "Kila uamuzi")
    open_consent = decide("amendment", consent_open.id, {juma: "consent"}, preset="consent")
    objections.raise_objection(actor=amani, vote=open_consent, coop=wakulima, argument=said("Si kila uamuzi unahitaji kura."),
                               passage=said("katika kila uamuzi"), paramount=True)
    objections.log_concern(actor=tatu, vote=open_consent, coop=jamii, argument=said("Tuangalie tena mwakani."))

    # Admissions: one fails only on quorum and is called again, one is blocked by an objection, one cancelled.
    admission = decide("admission", kipya.id, {juma: "for"}, preset="simple-majority", second_call_quorum="1/4")
    closing.close_vote(actor=steward, vote=admission)
    blocked = decide("admission", mpya.id, {juma: "consent", tatu: "consent"}, preset="consent")
    objections.raise_objection(actor=amani, vote=blocked, coop=wakulima, argument=said("Hatujakutana nao bado."))
    closing.close_vote(actor=steward, vote=blocked)
    mistaken = decide("admission", tano.id, {}, preset="simple-majority")
    closing.cancel_vote(actor=steward, vote=mistaken, reason=said("Tulifungua kwa makosa."))

    # Versions: 1.1 fails a weighted two-thirds vote; its second attempt is being voted on.
    failed = versions.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                       summary=said("Mabadiliko ya robo mwaka."))
    closing.close_vote(actor=steward, vote=decide(
        "version", failed.id, {juma: "for", amani: "against", tatu: "against", saba: "abstain"}, preset="two-thirds",
        rule={"weighted": True}, weights={kazi.id: 3, wakulima.id: 1, jamii.id: 1, mtandao.id: 1}))
    candidate = versions.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                          summary=said("Jaribio la pili."))
    open_version = decide("version", candidate.id, {juma: "for"})

    # Discussions, one comment hidden by a steward.
    posted = discussions.post_comment(actor=juma, subject_kind="standard", subject_id=standard.id,
                                      body=said("Nakubaliana na kanuni ya kwanza."), coop=kazi)
    discussions.post_comment(actor=amani, subject_kind="standard", subject_id=standard.id,
                             body=said("Mimi pia."), parent_id=posted.id, coop=wakulima)
    discussions.start_thread(actor=tatu, subject_kind="section", subject_id=one.id, title=said("Maneno"),
                             body=said("Tuseme kwa urahisi zaidi."), quote=said("Kila mwanachama"), coop=jamii)
    on_amendment = discussions.post_comment(actor=saba, subject_kind="amendment", subject_id=open_one.id,
                                            body=said("Hii ni nzuri."), coop=mtandao)
    discussions.edit_comment(actor=saba, comment_id=on_amendment.id, body=said("Hii ni nzuri sana."))
    hidden = discussions.post_comment(actor=tatu, subject_kind="amendment", subject_id=open_one.id,
                                      body=said("Tangazo lisilohusika."), coop=jamii)
    discussions.hide_comment(actor=steward, comment_id=hidden.id, reason=said("Si mahali pake."))
    discussions.post_comment(actor=juma, subject_kind="vote", subject_id=open_consent.id,
                             body=said("Tuzungumze kabla ya kufunga."), coop=kazi)

    # A delegate's own things: an API token, a webhook (and the standard followed from the start).
    tokens.create_token(actor=juma, name=said("Zana yetu"), scopes=["read"], fresh=True)
    hook = webhooks.create_webhook(actor=juma, coop=kazi, url=said("https://kazi.ushirika.ke/taarifa"),
                                   events=["vote.opened", "vote.closed"], description=said("Taarifa za kura"))
    db.session.commit()

    slug = standard.slug
    std = f"/standards/{slug}"
    draft_std = f"/standards/{draft.slug}"
    scope = standards.get_standard(draft.slug).sections[0]
    observer = [
        "/", "/how-it-works", "/standards/", std, f"{std}/s/{one.key}", f"{std}/s/{one.key}/r/1",
        f"{std}/s/{one.key}/blame", f"{std}/s/{one.key}/compare?from=1&to=2", f"{std}/compare",
        f"{std}/amendments", f"{std}/changelog", f"{std}/v/1.0", f"{std}/v/1.0.html",
        f"{std}/v/{failed.number}?attempt={failed.attempt}",
        f"{std}/v/{candidate.number}?attempt={candidate.attempt}", f"{std}/versions/compare",
        "/votes/", "/coops/", f"/coops/{kazi.slug}", f"/coops/{mali.slug}",
        f"/search?q={said('wanachama')}", f"/search?q={said('hakuna')}", "/transparency/", "/witness", "/signin", "/forgot",
        "/api/v1/docs", f"/discussions/standard/{standard.id}", f"/discussions/comments/{on_amendment.id}/history",
        "/no-such-page",
    ]
    observer += [f"{std}/amendments/{a.id}" for a in (open_one, adopted, rebased, conflicted, rejected, rival_a, rival_b,
                                                      first_up, second_up, voting_now, consent_open, withdrawn)]
    every_vote = (consent_vote, ranked, cancelled_by_base, open_majority, open_consent, admission, blocked, mistaken,
                  open_version)
    observer += [f"/votes/{v.id}" for v in every_vote]
    second_call = db.session.scalar(select(Vote).where(Vote.second_call_of_id == admission.id))
    observer.append(f"/votes/{second_call.id}")
    delegate_pages = [
        "/account", "/account/tokens/", "/account/email", "/account/password", "/account/erase", "/notifications",
        "/webhooks/", f"/webhooks/{hook.id}", f"/coops/{kazi.slug}/webhooks", f"{std}/amendments/new",
        f"{std}/amendments/{open_one.id}/edit", f"{std}/amendments/{conflicted.id}/resolve",
        f"{draft_std}/s/{scope.key}/edit", f"{draft_std}/s/{scope.key}/together", f"/discussions/comments/{posted.id}/reply",
        f"/discussions/comments/{posted.id}/edit", f"/discussions/amendment/{open_one.id}", "/account/confirm",
    ] + [f"/votes/{v.id}" for v in (open_majority, open_consent, open_version, consent_vote)]
    steward_pages = [
        "/transparency/", "/coops/new", "/standards/new", f"{draft_std}/sections/new", f"{std}/amendments/group",
        f"{std}/versions/new", "/votes/new", f"/votes/new?subject=amendment:{open_one.id}", "/mail/outbox", f"/votes/{open_majority.id}",
        f"/votes/{open_consent.id}", f"/discussions/comments/{posted.id}/hide", f"/people/{pili.id}/erase",
        f"/coops/{kipya.slug}", f"{std}/amendments/{open_one.id}", f"{draft_std}/s/{scope.key}/edit",
        f"/discussions/standard/{standard.id}", f"{std}/amendments/new", f"/votes/{consent_vote.id}",
    ]
    forbidden = ["/coops/new"]  # a delegate's 403
    # (role, path, form, status of the page it leads to): flashes, refusals and a vote closed in the page's language.
    posts = [("delegate", f"/votes/{open_majority.id}/ballot", {"choice": "against", "coop": str(kazi.id)}, 200),
             ("delegate", f"/votes/{consent_vote.id}/ballot", {"choice": "consent", "coop": str(kazi.id)}, 409),
             ("delegate", f"/votes/{open_consent.id}/concerns", {"argument": said("Tufikirie tena."), "coop": str(kazi.id)}, 200),
             ("steward", f"/votes/{open_consent.id}/close", {}, 200),
             ("steward", f"/votes/{open_majority.id}/cancel", {"reason": ""}, 422)]
    return {"observer": observer, "delegate": delegate_pages, "steward": steward_pages, "forbidden": forbidden, "posts": posts,
            "emails": {"delegate": juma.email, "steward": steward.email}, "vote_ids": [v.id for v in every_vote]}
