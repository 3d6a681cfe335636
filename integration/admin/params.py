"""A mapping row's transform parameters as form fields: the fields of the row's transform
(a value map as pairs, a date's format, a join's parts...), with the raw JSON kept as an
"advanced" view. One widget renders both and reads back whichever the admin edited."""

import json
from dataclasses import dataclass
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Param:
    key: str
    kind: Literal["text", "lines", "pairs"]
    label: str | Promise
    help: str | Promise = ""
    required: bool = False


FORMAT = Param("format", "text", _("Format"), _("strftime codes; blank: %Y/%m/%d"))
INPUT_FORMATS = Param(
    "input_formats", "lines", _("Formats it may come in"), _("One a line; blank: the usual ones")
)
PARTS = Param("parts", "lines", _("Parts, in order"), _("Keys of the name, one a line"))
SEPARATOR = Param("separator", "text", _("Separator"), _("Blank: a space"))
MAP = Param("map", "pairs", _("Values"), required=True)
OTHERWISE = Param(
    "otherwise", "text", _("Any other value"), _("Blank: a value not listed fails the record")
)
VALUE = Param("value", "text", _("Value"), required=True)
PATHS = Param("paths", "lines", _("Paths"), _("JMESPath, one a line; the first found"), True)
TYPE = Param("type", "text", _("Identifier type"), _("e.g. NATIONAL_ID"), True)
SECTION = Param("section", "text", _("Section"), _("e.g. child, mother"), True)
PATH = Param("path", "text", _("Path in the resource"), _("JMESPath; blank: the resource"))
PART = Param("part", "text", _("Address part"), _("line, zone, city, province or region"), True)
LANGUAGE = Param(
    "language", "text", _("Language"), _("A MOSIP language code: sent as [{language, value}]")
)

# What each transform of integration.mapping.transforms reads; any takes a language.
PARAMS: dict[str, tuple[Param, ...]] = {
    "none": (),
    "date": (FORMAT, INPUT_FORMATS),
    "join": (PARTS, SEPARATOR),
    "wrap": (),
    "value_map": (MAP, OTHERWISE),
    "constant": (VALUE,),
    "first_non_empty": (PATHS,),
    "fhir_identifier": (TYPE,),
    "fhir_section": (SECTION, PATH),
    "address": (PART,),
}
KNOWN_KEYS = {p.key for params in PARAMS.values() for p in params} | {LANGUAGE.key}
SPARE_PAIRS = 2  # blank pairs under a value map, to add values without script


def params_of(transform: str) -> tuple[Param, ...]:
    language = Param(
        LANGUAGE.key, "text", LANGUAGE.label, LANGUAGE.help, transform == "wrap"
    )  # wrap does nothing else
    return (*PARAMS.get(transform, ()), language)


def fits_fields(transform: str, params: Any) -> bool:
    """Whether the fields can show these parameters without changing them (a number or
    an object where the fields hold text is left to the JSON view)."""
    if not isinstance(params, dict):
        return False
    kinds = {p.key: p.kind for t in PARAMS for p in params_of(t)}
    for key, value in params.items():
        kind = kinds.get(key)
        if kind == "text" and not isinstance(value, str):
            return False
        if kind == "lines" and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            return False
        if kind == "pairs" and not (
            isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        ):
            return False
    return transform in PARAMS


class ParamsWidget(forms.Widget):
    """Renders the parameter fields of every transform (those of the row's transform
    shown; a script shows others when the transform changes) and the JSON in a closed
    "Advanced" section. Reads back the JSON if it was edited, else the fields."""

    template_name = "admin/integration/mappingprofile/params_widget.html"

    class Media:
        js = ["console/mapping_params.js"]

    def __init__(self, transform_field: str = "transform", attrs=None):
        super().__init__(attrs)
        self.transform_field = transform_field
        self.transform = "none"  # the row's transform, set by the row's form

    def _transform_name(self, name: str) -> str:
        return name.rsplit("-", 1)[0] + "-" + self.transform_field if "-" in name else name

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, FromFields):  # sent back with an error: as it was typed
            transform, raw, shown = value.transform, value.raw, Posted(value)
        else:
            transform, raw = self.transform, value if isinstance(value, str) else "{}"
            try:
                shown = json.loads(raw or "{}")
            except ValueError:
                shown = None
        fields = isinstance(shown, Posted) or fits_fields(transform, shown)
        groups = [
            {
                "transform": key,
                "items": [self._item(name, key, param, shown) for param in params_of(key)],
                "shown": fields and key == transform,
            }
            for key in PARAMS
        ]
        context = {
            "name": name,
            "id": (attrs or {}).get("id", f"id_{name}"),
            "raw": raw,
            "fields": fields,
            "groups": groups,
            "attrs": {**self.attrs, **(attrs or {})},
        }
        return render_to_string(self.template_name, context)

    def _item(self, name: str, transform: str, param: Param, shown: Any) -> dict:
        field = f"{name}__{transform}__{param.key}"
        item = {"param": param, "name": field, "id": f"id_{field}"}
        if isinstance(shown, Posted):
            current = shown.value(param, field)
        else:
            current = shown.get(param.key) if isinstance(shown, dict) else None
        if param.kind == "pairs":
            pairs = list(current.items()) if isinstance(current, dict) else list(current or [])
            item["pairs"] = [*pairs, *[("", "")] * SPARE_PAIRS]
        elif param.kind == "lines":
            item["value"] = "\n".join(current) if isinstance(current, list) else current or ""
        else:
            item["value"] = current if isinstance(current, str) else ""
        return item

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if raw is None:
            return None
        if data.get(f"{name}__fields") != "1" or _edited(raw, data.get(f"{name}__shown", "")):
            return raw  # the JSON view is what the admin edited (or all there is)
        transform = data.get(self._transform_name(name), "none")
        return FromFields(transform, data, name, raw)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


def _edited(raw: str, shown: str) -> bool:
    try:
        return json.loads(raw or "{}") != json.loads(shown or "{}")
    except ValueError:
        return True  # not JSON: the admin typed it, and is told so


@dataclass
class FromFields:
    """The parameter fields as posted, turned into the params object on clean."""

    transform: str
    data: Any
    name: str
    raw: str

    def params(self) -> dict:
        base = json.loads(self.raw or "{}")
        # Keys no transform knows are kept; those of other transforms are dropped.
        params = {k: v for k, v in base.items() if k not in KNOWN_KEYS}
        errors = []
        for param in params_of(self.transform):
            field = f"{self.name}__{self.transform}__{param.key}"
            try:
                value = self._read(param, field)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            if value in ("", [], {}, None):
                if param.required:
                    errors.append(_("%(field)s: needed for this transform.") % _named(param))
                continue
            params[param.key] = value
        if errors:
            raise ValidationError(errors)
        return params

    def _read(self, param: Param, field: str) -> Any:
        if param.kind == "lines":
            text = self.data.get(field, "")
            return [line.strip() for line in text.splitlines() if line.strip()]
        if param.kind == "text":
            text = self.data.get(field, "")
            # A separator's spaces are its value; elsewhere they are typing slips.
            return text if param.key == "separator" else text.strip()
        pairs, problems = {}, []
        keys, values = self.data.getlist(f"{field}__key"), self.data.getlist(f"{field}__value")
        for key, value in zip(keys, values, strict=False):
            key, value = key.strip(), value.strip()
            if not key and value:
                problems.append(
                    _("%(field)s: “%(value)s” has no value from the record.")
                    % {**_named(param), "value": value}
                )
            elif key in pairs:
                problems.append(
                    _("%(field)s: “%(key)s” is listed twice.") % {**_named(param), "key": key}
                )
            elif key:
                pairs[key] = value
        if problems:
            raise ValidationError(problems)
        return pairs


def _named(param: Param) -> dict:
    return {"field": param.label}


@dataclass
class Posted:
    """The fields as they were posted, to show them again beside their error."""

    posted: FromFields

    def value(self, param: Param, field: str) -> Any:
        data = self.posted.data
        if param.kind == "pairs":
            keys, values = data.getlist(f"{field}__key"), data.getlist(f"{field}__value")
            return [(k, v) for k, v in zip(keys, values, strict=False) if k or v]
        return data.get(field, "")


class ParamsField(forms.JSONField):
    """The params JSON field, fed by ParamsWidget: either the JSON typed in the advanced
    view or the parameters built from the fields."""

    widget = ParamsWidget

    def to_python(self, value):
        if isinstance(value, FromFields):
            return value.params()
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, FromFields):
            return data
        return super().bound_data(data, initial)

    def prepare_value(self, value):
        return value if isinstance(value, FromFields) else super().prepare_value(value)

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True
