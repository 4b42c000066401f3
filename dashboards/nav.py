"""Navigation labels for the dashboard links in templates/partials/nav_items.html.

Marked here so the dashboards catalogue carries their translations.
"""

from django.utils.translation import gettext_noop

NAV_LABELS = (gettext_noop("Dashboard"), gettext_noop("Our results"), gettext_noop("Published results"))
