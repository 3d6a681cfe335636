# Dates as staff in English read them wherever they are: day before month, 24-hour
# clock, the time zone's abbreviation (Django's own "en" is American: 11/30/2026 1:07 p.m.).
DATETIME_FORMAT = "j M Y, H:i:s T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
