"""The OpenAPI 3.1 description of the public API (consult/api/views.py). The test suite
runs schemathesis against it: every answer must match what is written here."""
from consult.parsing import MAX_ID

NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": ["string", "null"], "format": "date-time"}
ERROR = {"type": "object", "required": ["error"], "additionalProperties": False,
         "properties": {"error": {"type": "object", "required": ["code", "message"],
                                  "properties": {"code": {"type": "integer"},
                                                 "message": {"type": "string"}}}}}
NAMED = {"type": "object", "required": ["id", "name"],
         "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
CONSULTATION = {
    "type": "object", "required": ["slug", "title", "description", "phase", "phases"],
    "properties": {
        "slug": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"},
        "phase": {"enum": ["draft", "open", "synthesis", "vote", "closed"]},
        "phases": {"type": "object", "additionalProperties": DATE},
    },
}
TESTIMONY = {
    "type": "object",
    "required": ["id", "title", "text", "author", "themes", "category", "region", "channel",
                 "published_at"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"}, "title": NULLABLE_STRING, "text": {"type": "string"},
        "author": {**NULLABLE_STRING, "description": "Only when its author chose to be named."},
        "themes": {"type": "array", "items": {"type": "string"}},
        "category": NULLABLE_STRING, "region": NULLABLE_STRING,
        "channel": {"enum": ["online", "assisted", "paper", "hearing", "local_event"]},
        "published_at": DATE,
    },
}
TALLY = {"type": "object", "required": ["agree", "disagree", "pass", "voters"],
         "properties": {name: {"type": "integer", "minimum": 0}
                        for name in ("agree", "disagree", "pass", "voters")}}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {"404": _json(ERROR, "No such public consultation or item"),
          "400": _json(ERROR, "A parameter is not valid"),
          "503": _json(ERROR, "Being computed: try again after Retry-After seconds")}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}


#: Ids are whole numbers the database's INTEGER columns hold (consult.parsing.as_id).
ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def _number(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": ID}


def document(server: str) -> dict:
    """The OpenAPI document, with this site as its server."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Consult public API", "version": "1.0.0",
                 "description": "Read-only: what the public pages of the consultations show. "
                                "Confidential, unpublished or masked text is never part of it."},
        "servers": [{"url": f"{server}/api/v1"}],
        "paths": {
            "/consultations": {"get": {
                "operationId": "listConsultations", "summary": "Public consultations",
                "responses": {"200": _json({"type": "object", "required": ["items"],
                                            "properties": {"items": {"type": "array",
                                                                     "items": CONSULTATION}}})}}},
            "/consultations/{slug}": {"get": {
                "operationId": "getConsultation", "parameters": [SLUG],
                "summary": "A consultation with its themes, categories and regions",
                "responses": {"200": _json({**CONSULTATION, "required": [
                    *CONSULTATION["required"], "themes", "categories", "regions"],
                    "properties": {**CONSULTATION["properties"],
                                   **{kind: {"type": "array", "items": NAMED}
                                      for kind in ("themes", "categories", "regions")}}}),
                              "404": ERRORS["404"]}}},
            "/consultations/{slug}/testimonies": {"get": {
                "operationId": "listTestimonies", "summary": "Published testimonies, newest first",
                "parameters": [
                    SLUG,
                    _number("theme", "A theme's id"),
                    _number("category", "A participant category's id"),
                    _number("region", "A region's id"),
                    {"name": "channel", "in": "query", "required": False,
                     "schema": TESTIMONY["properties"]["channel"]},
                    {"name": "q", "in": "query", "required": False,
                     "description": "Words to search for (full-text); a NUL character is "
                                    "refused, as in every parameter",
                     "schema": {"type": "string", "maxLength": 200,
                                "pattern": "^[^\\u0000]*$"}},
                    _number("cursor", "next_cursor of the previous page"),
                ],
                "responses": {"200": _json({
                    "type": "object", "required": ["items", "next_cursor", "page_size"],
                    "properties": {"items": {"type": "array", "items": TESTIMONY},
                                   "next_cursor": {"type": ["integer", "null"]},
                                   "page_size": {"type": "integer"}}}),
                    **ERRORS}}},
            "/consultations/{slug}/testimonies/{id}": {"get": {
                "operationId": "getTestimony", "summary": "One published testimony",
                "parameters": [SLUG, {"name": "id", "in": "path", "required": True,
                                      "schema": ID}],
                "responses": {"200": _json(TESTIMONY), "404": ERRORS["404"]}}},
            "/consultations/{slug}/recommendations": {"get": {
                "operationId": "listRecommendations",
                "summary": "Published orientations, recommendations and measures",
                "parameters": [SLUG],
                "responses": {"200": _json({"type": "object", "required": ["orientations"],
                                            "properties": {"orientations": {"type": "array"}}}),
                              "404": ERRORS["404"]}}},
            "/consultations/{slug}/results": {"get": {
                "operationId": "getResults", "summary": "Vote results, once closed",
                "parameters": [SLUG],
                "responses": {"200": _json({
                    "type": "object", "required": ["voters", "computed_at", "items"],
                    "properties": {"voters": {"type": "integer"},
                                   "computed_at": {"type": "string", "format": "date-time"},
                                   "items": {"type": "array", "items": {
                        "type": "object",
                        "required": ["number", "text", "overall", "by_category", "by_region",
                                     "consensus", "divisive"],
                        "properties": {"number": NULLABLE_STRING, "text": {"type": "string"},
                                       "overall": TALLY,
                                       "by_category": {"type": "object",
                                                       "additionalProperties": TALLY},
                                       "by_region": {"type": "object",
                                                     "additionalProperties": TALLY},
                                       "consensus": {"type": "boolean"},
                                       "divisive": {"type": "boolean"}}}}}}),
                    "404": ERRORS["404"], "503": ERRORS["503"]}}},
        },
    }
