from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Staff survey")

    def ready(self) -> None:
        from assessments.scoring import components
        from surveys.selectors import assessments_with_survey

        # One source per value: an assessment whose survey runs here gets its survey value from
        # the responses, so the admin's hand entry is refused for it.
        components.computed_sources_register(assessments_with_survey)
