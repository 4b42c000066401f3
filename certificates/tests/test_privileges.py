"""The talent-management privilege an issued decision records, and the decision page's members."""

import datetime as dt

from assessments.models import CategoryBand, Period
from certificates import services
from certificates.models import TalentPrivilege
from certificates.tests.conftest import draft_decision, make_verified
from conftest import client_for


def test_issue_records_the_privilege_where_the_band_grants_it(issued_decision, verified_set):
    granting = set(
        CategoryBand.objects.filter(instrument=issued_decision.period.instrument, grants_jpt=True).values_list(
            "name", flat=True
        )
    )
    assert granting == {"Sangat Baik"}  # the 40/2018 reference instrument's flag
    privileges = list(TalentPrivilege.objects.all())
    assert [(p.institution, p.category_name, p.starts_on, p.ends_on) for p in privileges] == [
        (verified_set["sangat_baik"].institution, "Sangat Baik", issued_decision.date, None)
    ]


def test_the_next_decision_ends_the_privilege(
    issued_decision, verified_set, admin_user, verifier, instrument, django_capture_on_commit_callbacks
):
    today = dt.date(2027, 6, 1)
    later = Period.objects.create(
        name="Penilaian Berikut",
        instrument=instrument,
        self_assessment_opens=today,
        self_assessment_closes=today,
        verification_closes=today,
    )
    institution = verified_set["sangat_baik"].institution
    make_verified(institution, later, 3, verifier=verifier)  # Baik this time: no privilege
    second = draft_decision(admin_user, later, number="2/KEP/2027")
    second.date = dt.date(2027, 7, 1)
    second.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=second, user=admin_user)
    first = TalentPrivilege.objects.get(decision=issued_decision)
    assert (first.ends_on, first.ended_by) == (dt.date(2027, 7, 1), second)
    assert not TalentPrivilege.objects.filter(ends_on__isnull=True).exists()


def test_decision_page_lists_every_institution_filterable(issued_decision, verified_set, admin_user):
    client = client_for(admin_user)
    url = f"/decisions/{issued_decision.pk}/"
    page = client.get(url).content.decode()
    members = page.split('id="members-table"', 1)[1].split("</table>", 1)[0]
    for key in ("sangat_baik", "baik", "kurang"):
        assert f'data-member="{verified_set[key].institution.name}"' in members
    assert "Kurang" in members and "200,00" in members
    # The charters sit beside those who earned one; the privilege beside Sangat Baik.
    kurang_row = members.split(f'data-member="{verified_set["kurang"].institution.name}"', 1)[1].split("</tr>", 1)[0]
    assert "<code>" not in kurang_row and "granted" not in kurang_row
    top_row = members.split(f'data-member="{verified_set["sangat_baik"].institution.name}"', 1)[1].split("</tr>", 1)[0]
    assert "<code>" in top_row and "granted" in top_row
    only_kurang = client.get(url, {"category": "Kurang"}).content.decode().split('id="members-table"', 1)[1]
    assert only_kurang.count("data-member=") == 1
    by_name = client.get(url, {"q": verified_set["baik"].institution.name[:12]}).content.decode()
    assert verified_set["baik"].institution.name in by_name.split('id="members-table"', 1)[1]


def test_profile_and_public_results_show_the_privilege(issued_decision, verified_set, admin_user):
    top = verified_set["sangat_baik"]
    public = client_for(None).get("/results/", {"period": issued_decision.period_id}).content.decode()
    table = public.split('id="public-results"', 1)[1]
    assert table.count("granted") == 1
    row = table.split(top.institution.name, 1)[1].split("</tr>", 1)[0]
    assert "granted" in row
    profile = client_for(admin_user).get(f"/institutions-profile/{top.institution_id}/").content.decode()
    assert 'id="privilege"' in profile and issued_decision.number in profile
