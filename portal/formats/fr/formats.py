# Django's French formats, with the seconds (a record's steps are seconds apart) and the
# time zone's abbreviation.
DATETIME_FORMAT = "j F Y, H:i:s T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
