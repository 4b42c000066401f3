"""Indonesian formats: "2 Desember 2026", "2 Desember 2026 13.27 WIB", "1.234,5".

Read by Django's localisation (FORMAT_MODULE_PATH) and by core.formatting, which is the only
code that turns dates and numbers into text.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H.i T"
TIME_FORMAT = "H.i T"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y H.i T"
FIRST_DAY_OF_WEEK = 1
# The first entry is what a form renders into an <input type="date">; the others are accepted
# when typed by hand (browsers without a date widget, pasted text).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %H.%M"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
