from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Staff survey")

    def ready(self) -> None:
        from assessments.scoring import components
        from certificates.reports import survey_section_register
        from surveys.reports import report_section
        from surveys.selectors import assessments_with_survey

        # One source per value: an assessment whose survey runs here gets its survey value from
        # the responses, so the admin's hand entry is refused for it.
        components.computed_sources_register(assessments_with_survey)
        # The result report's survey section (certificates never imports this app).
        survey_section_register(report_section)
