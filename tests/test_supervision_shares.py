"""The Justice Bureau's share of a draw's seed held by the bureau itself (R-4.3: the seed is
committed before the pool freezes and revealed after, with a share contributed by the Justice
Bureau, so that no single agency picks it): the bureau brings only the SM3 commitment of a
share it drew itself, the platform never holds the share before the pools freeze, and the
draw completes when the bureau types the share in -- checked against its commitment, on the
pools exactly as they froze. And every way around it: a placeholder, a wrong share, the lead
agency's own commitment, revealing before the freeze, revealing twice, another agency."""

from __future__ import annotations

import secrets

import pytest
from django.urls import reverse

from chengnuo.audit.models import AuditEvent
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.supervision import draw as algorithm
from chengnuo.supervision import selectors, services
from chengnuo.supervision.constants import DrawStatus, Event
from chengnuo.supervision.models import Draw, InspectionTask, PoolSnapshot, SeedShare

from .supervision_helpers import add_entries, build_sup, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def sup():
    s = build_sup()
    add_entries(s, 30, credit_class="A")
    add_entries(s, 10, credit_class="C", route="proof")
    return s


def _bureau_share() -> tuple[str, str]:
    share = secrets.token_hex(32)
    return share, algorithm.share_commitment(share)


def _frozen(sup, share_commitment: str) -> Draw:
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d, commitment=share_commitment)
    return services.draw_run(actor=sup.w.admin, draw=d)


def test_the_platform_never_holds_a_share_the_bureau_brings_only_the_commitment_of(sup):
    share, commitment = _bureau_share()
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d, commitment=commitment.upper())
    row = SeedShare.objects.get(draw=d, party="justice")
    assert row.commitment == commitment  # as typed, case forgiven
    assert row.share_cipher == "" and row.share == ""
    assert share not in str(list(SeedShare.objects.values()))


def test_the_pools_freeze_first_and_are_public_before_the_bureau_reveals(sup):
    _, commitment = _bureau_share()
    d = _frozen(sup, commitment)
    assert d.status == DrawStatus.FROZEN and d.seed == "" and d.frozen_at
    assert not InspectionTask.objects.filter(draw=d).exists()
    public = selectors.draw_public(Draw.objects.get(pk=d.pk))
    assert public["seed"] is None and public["selected"] == []
    assert public["pool_size"] == 40 and public["pool_digest"]
    assert {s["key"] for s in public["strata"]} == {"A", "C"}
    assert all(s["share"] is None for s in public["shares"])  # the lead's too: not yet
    assert PoolSnapshot.objects.filter(draw=d, kind=PoolSnapshot.Kind.SUBJECTS).count() == 2
    assert AuditEvent.objects.filter(event=Event.POOL_FROZEN).count() == 1
    # the lead agency's admin cannot finish the draw without the bureau
    with pytest.raises(Conflict) as err:
        services.draw_run(actor=sup.w.admin, draw=d)
    assert err.value.code == "draw_not_ready"


def test_the_bureau_reveals_its_share_and_the_draw_recomputes_from_what_is_published(sup):
    share, commitment = _bureau_share()
    d = _frozen(sup, commitment)
    frozen_digest = d.pool_digest
    done = services.seed_reveal(actor=sup.justice, draw=d, share=f"  {share.upper()} ")
    assert done.status == DrawStatus.DONE and done.pool_digest == frozen_digest
    public = selectors.draw_public(Draw.objects.get(pk=d.pk))
    assert {s["party"]: s["share"] for s in public["shares"]}["justice"] == share
    assert algorithm.recompute(public) == []
    assert public["selected"] and InspectionTask.objects.filter(draw=d).count() == len(
        public["selected"]
    )
    assert done.frozen_at < done.drawn_at


def test_a_wrong_share_is_refused_and_changes_nothing(sup):
    share, commitment = _bureau_share()
    d = _frozen(sup, commitment)
    other = secrets.token_hex(32)
    with pytest.raises(DomainError) as err:
        services.seed_reveal(actor=sup.justice, draw=d, share=other)
    assert err.value.code == "share_mismatch"
    d = Draw.objects.get(pk=d.pk)
    assert d.status == DrawStatus.FROZEN and d.seed == ""
    assert not SeedShare.objects.filter(draw=d).exclude(share="").exists()  # nothing revealed
    services.seed_reveal(actor=sup.justice, draw=d, share=share)  # the right one still works


@pytest.mark.parametrize(
    "typed, code",
    [
        ("", "required"),
        ("0" * 64, "placeholder"),
        ("f" * 64, "placeholder"),
        ("abc", "invalid_format"),
        ("g" * 64, "invalid_format"),
        ("1" * 63 + "2" + "3", "invalid_format"),
    ],
)
def test_a_placeholder_or_malformed_commitment_is_refused(sup, typed, code):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    with pytest.raises(DomainError) as err:
        services.seed_commit(actor=sup.justice, draw=d, commitment=typed or " ")
    assert err.value.code == code
    assert not SeedShare.objects.filter(draw=d, party="justice").exists()


def test_the_lead_agencys_own_commitment_cannot_be_the_bureaus(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    lead = SeedShare.objects.get(draw=d, party="lead")
    with pytest.raises(DomainError):
        services.seed_commit(actor=sup.justice, draw=d, commitment=lead.commitment)
    assert not SeedShare.objects.filter(draw=d, party="justice").exists()


def test_no_reveal_before_the_pools_freeze_and_none_after_the_draw(sup):
    share, commitment = _bureau_share()
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d, commitment=commitment)
    with pytest.raises(Conflict) as err:
        services.seed_reveal(actor=sup.justice, draw=d, share=share)
    assert err.value.code == "draw_not_ready"
    services.draw_run(actor=sup.w.admin, draw=d)
    services.seed_reveal(actor=sup.justice, draw=d, share=share)
    with pytest.raises(Conflict) as err:
        services.seed_reveal(actor=sup.justice, draw=d, share=share)
    assert err.value.code == "already_done"
    assert InspectionTask.objects.filter(draw=d).count() == Draw.objects.get(pk=d.pk).quota


def test_only_the_justice_bureau_reveals_its_share(sup):
    share, commitment = _bureau_share()
    d = _frozen(sup, commitment)
    for someone in (sup.w.admin, sup.member_admin, sup.w.clerk):
        with pytest.raises((NotFound, PermissionDenied)):
            services.seed_reveal(actor=someone, draw=d, share=share)
    assert Draw.objects.get(pk=d.pk).status == DrawStatus.FROZEN


def test_a_frozen_pool_altered_in_the_database_stops_the_draw(sup):
    """An insider who rewrites a frozen snapshot (to take a subject out) is caught: the pools
    are digested again at the reveal and must equal what was published at the freeze."""
    share, commitment = _bureau_share()
    d = _frozen(sup, commitment)
    snap = PoolSnapshot.objects.get(draw=d, kind=PoolSnapshot.Kind.SUBJECTS, key="A")
    members = snap.members()
    snap.members_z = services._pack(members[1:])
    snap.save(update_fields=["members_z"])
    with pytest.raises(Conflict) as err:
        services.seed_reveal(actor=sup.justice, draw=d, share=share)
    assert err.value.code == "snapshot_changed"
    assert not InspectionTask.objects.filter(draw=d).exists()


def test_a_lost_share_is_answered_by_a_redraw_with_a_reason(sup):
    _, commitment = _bureau_share()
    d = _frozen(sup, commitment)
    new = services.redraw(actor=sup.w.admin, draw=d, reason="市司法局保管的随机数遗失")
    assert Draw.objects.get(pk=d.pk).status == DrawStatus.SUPERSEDED
    assert new.replaces_id == d.pk and new.status == DrawStatus.COMMITTING


def test_the_plan_page_takes_the_bureaus_commitment_and_then_its_share(sup, client):
    share, commitment = _bureau_share()
    p = plan(sup)
    d = services.draw_open(actor=sup.w.admin, plan=p)
    client.force_login(sup.justice)
    page = client.get(reverse("supervision:plan", args=[p.pk])).content.decode()
    assert 'name="commitment"' in page
    client.post(
        reverse("supervision:draw_commit", args=[p.pk]), {"draw": d.pk, "commitment": commitment}
    )
    assert SeedShare.objects.get(draw=d, party="justice").commitment == commitment
    client.force_login(sup.w.admin)
    client.post(reverse("supervision:draw_run", args=[p.pk]), {"draw": d.pk})
    assert Draw.objects.get(pk=d.pk).status == DrawStatus.FROZEN
    client.force_login(sup.justice)
    page = client.get(reverse("supervision:plan", args=[p.pk])).content.decode()
    assert 'name="share"' in page and "等待市司法局输入其保管的随机数" in page
    wrong = client.post(
        reverse("supervision:draw_reveal", args=[p.pk]), {"draw": d.pk, "share": "ab" * 32},
        follow=True,
    )  # fmt: skip
    assert "不符" in wrong.content.decode()
    client.post(reverse("supervision:draw_reveal", args=[p.pk]), {"draw": d.pk, "share": share})
    assert Draw.objects.get(pk=d.pk).status == DrawStatus.DONE
