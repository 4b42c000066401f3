"""The staff survey's section of the result report (certificates.reports), registered by this
app when it starts: the dimensions of the survey run here, under the minimum of respondents."""

from django.core.exceptions import ObjectDoesNotExist

from assessments.models import Assessment
from certificates import documents
from core import formatting
from surveys.domain import enough_respondents
from surveys.models import Questionnaire, Survey
from surveys.selectors import survey_progress


def report_section(assessment: Assessment, component_code: str) -> documents.ReportSurvey:
    """The survey's dimensions for the report; none below the questionnaire's minimum of
    respondents, and a plain note when the survey value was entered from a survey run elsewhere."""
    try:
        survey: Survey | None = assessment.survey  # the reverse one-to-one of surveys.Survey
    except ObjectDoesNotExist:
        survey = None
    if survey is None:
        questionnaire = Questionnaire.objects.filter(
            component__instrument_id=assessment.period.instrument_id, component__code=component_code
        ).first()
        minimum = questionnaire.min_respondents if questionnaire is not None else 0
        return documents.ReportSurvey(run_here=False, minimum=formatting.count(minimum), counted="")
    progress = survey_progress(survey)
    shown = enough_respondents(survey.result_counted, progress.min_respondents)
    return documents.ReportSurvey(
        run_here=True,
        minimum=formatting.count(progress.min_respondents),
        counted=formatting.count(survey.result_counted) if shown else "",
        dimensions=tuple(
            documents.ReportDimension(name=dimension.name, value=formatting.index(value))
            for dimension, value in progress.dimensions
        )
        if shown
        else (),
    )
