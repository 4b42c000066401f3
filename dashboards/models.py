"""The dashboards app stores nothing of its own: national targets belong to the instrument
(`assessments.models.Target`), since which bands count toward them is the instrument's data."""
