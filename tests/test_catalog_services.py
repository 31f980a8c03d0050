"""Dynamic management of the catalog (R-7.2) and the R-1.3 rule through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.catalog import services
from chengnuo.catalog.constants import ItemStatus, ProposalStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal
from chengnuo.catalog.rules import item_snapshot_fields
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied

from .factories import item_payload

TODAY = timezone.localdate


def submit(admin, agency, matter, code="RS-X-1", action="add", payload=None, effective=None, **kw):
    if payload is None and action != "remove":
        payload = item_payload(matter_codes=[matter.code], **kw)
    return services.proposal_submit(
        actor=admin,
        agency=agency,
        action=action,
        item_code=code,
        payload=payload,
        reason="法规修订后调整",
        law_change="《某条例》2026年修订",
        effective_date=effective or TODAY(),
    )


def test_refusal_for_excluded_domain_names_the_domain_and_writes_nothing(
    admin_a, agency_a, matter_a
):
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        submit(admin_a, agency_a, matter_a, excluded_domains=["ecological_environment"])
    assert exc.value.code == "excluded_domain"
    assert "生态环境保护" in exc.value.message
    assert ChangeProposal.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_only_the_agency_admin_of_that_agency_may_propose(admin_b, agency_a, matter_a):
    with pytest.raises(PermissionDenied):
        submit(admin_b, agency_a, matter_a)
    assert ChangeProposal.objects.count() == 0


def test_a_submitted_proposal_does_not_take_effect_until_filed(admin_a, agency_a, matter_a):
    submit(admin_a, agency_a, matter_a)
    assert not CertificationItem.objects.exists()
    assert not CatalogVersion.objects.exists()


def test_filing_publishes_an_immutable_version_with_an_sm3_digest(
    admin_a, reviewer, agency_a, matter_a
):
    filed = services.proposal_file(actor=reviewer, proposal=submit(admin_a, agency_a, matter_a))
    assert filed.status == ProposalStatus.EFFECTIVE
    version = filed.version
    assert version.number == 1 and len(version.digest) == 64
    with pytest.raises(RuntimeError):
        version.save()


def test_a_change_filed_for_a_future_date_takes_effect_on_that_date(
    admin_a, reviewer, agency_a, matter_a
):
    effective = TODAY() + dt.timedelta(days=3)
    proposal = submit(admin_a, agency_a, matter_a, effective=effective)
    filed = services.proposal_file(actor=reviewer, proposal=proposal)
    assert filed.status == ProposalStatus.FILED
    assert services.catalog_apply_due(on=TODAY()) == []
    assert not CertificationItem.objects.exists()
    versions = services.catalog_apply_due(on=effective)
    assert [v.agency_id for v in versions] == [agency_a.pk]
    assert CertificationItem.objects.get(code="RS-X-1").effective_date == effective


def test_returning_requires_written_reasons_and_keeps_the_catalog_unchanged(
    admin_a, reviewer, agency_a, matter_a
):
    proposal = submit(admin_a, agency_a, matter_a)
    with pytest.raises(DomainError):
        services.proposal_return(actor=reviewer, proposal=proposal, reason=" ")
    returned = services.proposal_return(
        actor=reviewer, proposal=proposal, reason="设定依据未注明条款"
    )
    assert returned.status == ProposalStatus.RETURNED
    assert returned.review_comment == "设定依据未注明条款"
    assert not CertificationItem.objects.exists()


def test_an_agency_admin_cannot_file_its_own_proposal(admin_a, agency_a, matter_a):
    with pytest.raises(NotFound):
        services.proposal_file(actor=admin_a, proposal=submit(admin_a, agency_a, matter_a))


def test_amend_and_remove_keep_the_whole_history_and_versions_compare(
    admin_a, reviewer, agency_a, matter_a
):
    services.proposal_file(actor=reviewer, proposal=submit(admin_a, agency_a, matter_a))
    item = CertificationItem.objects.get(code="RS-X-1")
    payload = item_snapshot_fields(item) | {"verification_time_limit_days": 5}
    services.proposal_file(
        actor=reviewer,
        proposal=submit(admin_a, agency_a, matter_a, action="amend", payload=payload),
    )
    services.proposal_file(
        actor=reviewer, proposal=submit(admin_a, agency_a, matter_a, action="remove")
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED
    v1, v2, v3 = CatalogVersion.objects.filter(agency=agency_a).order_by("number")
    assert v1.items["RS-X-1"]["verification_time_limit_days"] == 10
    assert v2.items["RS-X-1"]["verification_time_limit_days"] == 5
    assert "RS-X-1" not in v3.items
    events = list(
        AuditEvent.objects.filter(
            target_type="catalog.certificationitem", target_id=str(item.pk)
        ).values_list("event", flat=True)
    )
    assert events == ["catalog.item_added", "catalog.item_amended", "catalog.item_removed"]


def test_filing_rechecks_the_rules_against_the_current_catalog(
    admin_a, reviewer, agency_a, matter_a
):
    first = submit(
        admin_a, agency_a, matter_a, code="DUP-1", effective=TODAY() + dt.timedelta(days=1)
    )
    # a second add with the same code is refused while the first is pending
    with pytest.raises(DomainError) as exc:
        submit(admin_a, agency_a, matter_a, code="DUP-1")
    assert exc.value.code == "duplicate_code"
    services.proposal_file(actor=reviewer, proposal=first)


def test_filing_a_batch_publishes_one_version_per_agency(admin_a, reviewer, agency_a, matter_a):
    proposals = [submit(admin_a, agency_a, matter_a, code=f"B-{i}") for i in range(3)]
    services.proposal_file_many(actor=reviewer, proposals=proposals)
    assert CatalogVersion.objects.filter(agency=agency_a).count() == 1
    assert len(CatalogVersion.objects.get(agency=agency_a).items) == 3


def test_withdrawn_proposal_cannot_be_filed(admin_a, reviewer, agency_a, matter_a):
    proposal = services.proposal_withdraw(
        actor=admin_a, proposal=submit(admin_a, agency_a, matter_a)
    )
    with pytest.raises(DomainError) as exc:
        services.proposal_file(actor=reviewer, proposal=proposal)
    assert exc.value.code == "invalid_state"


def test_every_service_write_leaves_one_audit_event_per_change(
    admin_a, reviewer, agency_a, matter_a
):
    before = AuditEvent.objects.count()
    proposal = submit(admin_a, agency_a, matter_a)
    assert AuditEvent.objects.count() == before + 1
    services.proposal_file(actor=reviewer, proposal=proposal)
    # filed + item added + version published
    assert list(AuditEvent.objects.order_by("seq").values_list("event", flat=True))[before:] == [
        "catalog.proposal_submitted",
        "catalog.proposal_filed",
        "catalog.item_added",
        "catalog.version_published",
    ]


def test_import_rows_are_all_or_nothing_with_row_and_column(admin_a, agency_a, matter_a):
    rows = [
        {
            "_row": 2,
            "action": "add",
            "item_code": "IMP-1",
            **item_payload(matter_codes=[matter_a.code]),
        },
        {
            "_row": 3,
            "action": "add",
            "item_code": "IMP-2",
            **item_payload(name="", matter_codes=[matter_a.code]),
        },
    ]
    with pytest.raises(DomainError) as exc:
        services.catalog_import_rows(
            actor=admin_a,
            agency=agency_a,
            rows=rows,
            reason="r",
            law_change="l",
            effective_date=TODAY(),
        )
    assert exc.value.details == [
        {"row": 3, "column": "name", "code": "required", "message": "证明事项名称为必填项"}
    ]
    assert ChangeProposal.objects.count() == 0
