import json

import pytest

from core.errors import AccessDenied, ValidationFailed
from surveys.io import questionnaire_document, questionnaire_export_json, questionnaire_import
from surveys.models import Questionnaire
from surveys.reference import REFERENCE_FILE


def test_reference_questionnaire_is_marked_and_complete(questionnaire):
    assert questionnaire.is_reference and "referensi" in questionnaire.reference_note
    assert questionnaire.component.kind == "survey"
    assert questionnaire.component.instrument.code == "PERMENPANRB-19-2025-REF"
    assert questionnaire.dimensions.count() == 5
    assert questionnaire.items.count() == 20
    assert questionnaire.items.filter(reverse=True).count() == 3
    assert (
        questionnaire.scale_labels[0] == "Sangat tidak setuju" and questionnaire.scale_labels_en[-1] == "Strongly agree"
    )


def test_export_then_import_is_the_same_document(questionnaire, admin_user):
    before = questionnaire_document(questionnaire)
    data = questionnaire_export_json(questionnaire)
    again = questionnaire_import(data=data, user=admin_user)
    assert questionnaire_document(again) == before
    assert Questionnaire.objects.count() == 1


def _doc():
    return json.loads(REFERENCE_FILE.read_text())


def test_every_error_is_reported_with_its_place_and_nothing_is_saved(questionnaire, admin_user):
    doc = _doc()
    doc["dimensions"][0]["weight"] = "0.5"
    doc["dimensions"][1]["items"][0]["code"] = doc["dimensions"][0]["items"][0]["code"]
    doc["dimensions"][2]["items"][1]["reverse"] = "yes"
    doc["colour"] = "blue"
    doc["scale"] = doc["scale"][:1]
    before = questionnaire_document(questionnaire)
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_import(data=json.dumps(doc).encode(), user=admin_user)
    errors = "\n".join(caught.value.errors)
    assert "questionnaire, field colour: unknown field" in errors
    assert "questionnaire, field scale:" in errors
    assert "dimensions[1].items[0], field code: D1.1 appears twice" in errors
    assert "dimensions[2].items[1], field reverse: true or false is required" in errors
    assert "the dimension weights add up to 1.3" in errors
    assert questionnaire_document(Questionnaire.objects.get()) == before


def test_a_component_that_is_not_a_survey_is_refused(questionnaire, admin_user):
    doc = _doc()
    doc["component"] = "maturity"
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_import(data=json.dumps(doc).encode(), user=admin_user)
    assert "has no survey component maturity" in "\n".join(caught.value.errors)


def test_not_json_and_not_an_admin(questionnaire, admin_user, lead):
    with pytest.raises(ValidationFailed, match="not valid JSON"):
        questionnaire_import(data=b"{nope", user=admin_user)
    with pytest.raises(AccessDenied):
        questionnaire_import(data=REFERENCE_FILE.read_bytes(), user=lead)


def test_a_questionnaire_in_use_cannot_be_replaced(survey, admin_user):
    with pytest.raises(ValidationFailed, match="in use by a survey"):
        questionnaire_import(data=REFERENCE_FILE.read_bytes(), user=admin_user)
