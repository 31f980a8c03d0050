import datetime as dt

from django.utils import timezone

from chengnuo.catalog.constants import ProposalStatus
from chengnuo.catalog.models import CatalogVersion
from chengnuo.catalog.services import proposal_file, proposal_submit

from .factories import item_payload


def test_filed_proposal_effective_today_publishes_a_version(admin_a, reviewer, agency_a, matter_a):
    proposal = proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="RS-P-001",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="扩大告知承诺范围",
        law_change="国办发〔2020〕42号",
        effective_date=timezone.localdate(),
    )
    filed = proposal_file(actor=reviewer, proposal=proposal)
    assert filed.status == ProposalStatus.EFFECTIVE
    version = CatalogVersion.objects.get(agency=agency_a)
    assert "RS-P-001" in version.items
    assert filed.effective_date <= timezone.localdate() + dt.timedelta(days=0)
