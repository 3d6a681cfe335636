"""DRF's JSON parser for every API view (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES), refusing
what cannot be stored (`integration.json_bodies`) with a 400 naming the field."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from integration.json_bodies import BadInput, parse_json


class StorableJSONParser(JSONParser):
    """DRF's JSON parser, refusing what `parse_json` refuses."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return parse_json(stream.read() if stream is not None else b"")
        except BadInput as exc:
            raise ParseError(exc.as_json()) from None
