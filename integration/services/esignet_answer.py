"""E-Signet's claims in the shape OpenCRVS forms read: mosip-api 1.9's `pickUserInfo` with
what the 2.x middleware added (docs/protocols.md#esignet-userinfo and
#esignet-2x-answer).

That shape is `name {firstname, middlename, surname}`, `gender`, and, whenever a birth date
is given, `dobUnknown: null` and `birthDate` (yyyy-MM-dd, "" when it cannot be read), then
`verificationStatus`, `idType`, `nid`, and `sub`. Values E-Signet did not send are left
out, as JavaScript's JSON drops the `undefined` mosip-api puts there.

- `sub` is the person's token for this relying party (the PSUT): Farajaland develop keeps
  it as `metaInfo.informantPsut` and as a correction's `introducerInfoToken`.
- `nid` is the `individual_id` claim (the number the person signed in with) and `idType`
  then `NATIONAL_ID`, the value of Farajaland's ID type field; both null without it.

What real deployments send differs from that reference's assumptions: IDA may give only
`name`; with several claims locales each value comes as `claim#<lang>`, with two-letter
codes behind IDA (`name#en`) and MOSIP's three-letter ones behind the mock identity
system (`name#eng`); gender comes capitalised ("Male"); the birth date as yyyy/MM/dd (or
ISO).
"""

from collections.abc import Iterator
from datetime import date, datetime

NATIONAL_ID = "NATIONAL_ID"  # Farajaland's idType for a national ID number

# MOSIP names languages in three-letter ISO 639-2 codes (`eng`, the claims language's
# default); IDA's claims locales are two-letter ISO 639-1 (`en`). Below, the pairs for
# the languages MOSIP deployments and their neighbours use, with the bibliographic
# variants (`fre`, `ger`, …) some configurations carry. A language missing here still
# matches when both sides spell it the same way.
TWO_LETTER = {
    "afr": "af", "amh": "am", "ara": "ar", "aze": "az", "ben": "bn", "bul": "bg",
    "cat": "ca", "ces": "cs", "cze": "cs", "chi": "zh", "dan": "da", "deu": "de",
    "ger": "de", "ell": "el", "gre": "el", "eng": "en", "est": "et", "fas": "fa",
    "per": "fa", "fin": "fi", "fra": "fr", "fre": "fr", "ful": "ff", "guj": "gu",
    "hau": "ha", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy",
    "arm": "hy", "ibo": "ig", "ind": "id", "ita": "it", "jpn": "ja", "kan": "kn",
    "kat": "ka", "geo": "ka", "kaz": "kk", "khm": "km", "kin": "rw", "kir": "ky",
    "kor": "ko", "lao": "lo", "lin": "ln", "lit": "lt", "lav": "lv", "mal": "ml",
    "mar": "mr", "mkd": "mk", "mac": "mk", "mlg": "mg", "mon": "mn", "msa": "ms",
    "may": "ms", "mya": "my", "bur": "my", "nep": "ne", "nld": "nl", "dut": "nl",
    "nor": "no", "nya": "ny", "orm": "om", "pan": "pa", "pol": "pl", "por": "pt",
    "pus": "ps", "ron": "ro", "rum": "ro", "run": "rn", "rus": "ru", "sin": "si",
    "slk": "sk", "slo": "sk", "slv": "sl", "sna": "sn", "som": "so", "spa": "es",
    "sqi": "sq", "alb": "sq", "srp": "sr", "swa": "sw", "swe": "sv", "tam": "ta",
    "tel": "te", "tgk": "tg", "tgl": "tl", "tha": "th", "tir": "ti", "tsn": "tn",
    "tur": "tr", "ukr": "uk", "urd": "ur", "uzb": "uz", "vie": "vi", "wol": "wo",
    "xho": "xh", "yor": "yo", "zho": "zh", "zul": "zu",
}  # fmt: skip


def language_of(code: str) -> str:
    """One spelling per language: `eng`, `en`, `EN` and `en-GB` are all `en`."""
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return TWO_LETTER.get(primary, primary)


def _candidates(claims: dict, name: str, language: str) -> Iterator[object]:
    yield claims.get(f"{name}#{language}")  # as configured
    wanted, prefix = language_of(language), f"{name}#"
    for key, value in claims.items():  # the same language in the other code
        if key.startswith(prefix) and language_of(key[len(prefix) :]) == wanted:
            yield value
    yield claims.get(name)


def claim(claims: dict, name: str, language: str) -> str | None:
    """The claim in the configured language (`name#eng`, or `name#en` for `eng`), else
    the plain one; never another language's."""
    for value in _candidates(claims, name, language):
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
    individual_id = claim(claims, "individual_id", language)
    answer.update(
        verificationStatus="authenticated",
        idType=NATIONAL_ID if individual_id else None,
        nid=individual_id,
    )
    if isinstance(claims.get("sub"), str) and claims["sub"]:
        answer["sub"] = claims["sub"]
    return answer
