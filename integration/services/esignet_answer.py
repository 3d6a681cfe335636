"""E-Signet's claims in the shape OpenCRVS forms read: mosip-api 1.9's `pickUserInfo`.

That shape is `name {firstname, middlename, surname}`, `gender`, and, whenever a birth date
is given, `dobUnknown: null` and `birthDate` (yyyy-MM-dd, "" when it cannot be read), then
`verificationStatus`, `idType`, `nid`. Values E-Signet did not send are left out, as
JavaScript's JSON drops the `undefined` mosip-api puts there.

What real deployments send differs from that reference's assumptions: IDA may give only
`name`; with several claims locales each value comes as `claim#<lang>`; gender comes
capitalised ("Male"); the birth date as yyyy/MM/dd (or ISO).
"""

from datetime import date, datetime


def claim(claims: dict, name: str, language: str) -> str | None:
    """The claim in the configured language (`name#eng`), else the plain one."""
    for key in (f"{name}#{language}", name):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def names(claims: dict, language: str) -> dict[str, str]:
    given, middle, family = (
        claim(claims, key, language) for key in ("given_name", "middle_name", "family_name")
    )
    full = claim(claims, "name", language)
    if not (given or family) and full:
        # Only a full name: the first word is the given name, the last the family name.
        words = full.split()
        given = words[0]
        family = words[-1] if len(words) > 1 else None
        middle = middle or (" ".join(words[1:-1]) or None)
    parts = {"firstname": given, "middlename": middle, "surname": family}
    return {key: value for key, value in parts.items() if value}


def iso_date(value: str) -> str:
    """yyyy/MM/dd as E-Signet writes it, or ISO 8601; "" as mosip-api when unreadable."""
    try:
        return datetime.strptime(value, "%Y/%m/%d").date().isoformat()
    except ValueError:
        pass
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return ""


def to_opencrvs(claims: dict, language: str = "eng") -> dict:
    answer: dict = {"name": names(claims, language)}
    gender = claim(claims, "gender", language)
    if gender:
        answer["gender"] = gender.lower()
    birth_date = claim(claims, "birthdate", language)
    if birth_date:
        answer["dobUnknown"] = None
        answer["birthDate"] = iso_date(birth_date)
    answer.update(verificationStatus="authenticated", idType=None, nid=None)
    return answer
