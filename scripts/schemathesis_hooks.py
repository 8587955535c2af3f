"""Schemathesis hooks for the run in scripts/schemathesis.sh: they make generated data obey the
few rules a JSON Schema cannot state, so that a schema-valid request is a valid one, without
touching the negative cases, which send invalid values on purpose.

- `Idempotency-Key`: a client sends a fresh key per request. Generated keys repeat across
  different bodies, and the same key with another body is a 422 by design (as the IETF draft
  says), so each valid key is made unique; an invalid key is left as generated.
- `expires_at` of a new API key must lie in the future: in a positive case, an integer in the
  past is moved a day ahead of now.
- `assignee` of a ticket must be an internal user: in a positive case, an integer becomes the
  seeded user (SEED_USER_ID).
- `bot_id` of a setup code must be a bot of the workspace: in a positive case, it becomes the
  seeded bot (SEED_BOT_ID); a bot `token` must be one Telegram knows: the seeded bot's.
- a range's `to` may not be before its `from`: in a positive case, the two are put in order.
- a webhook `template` must render JSON for any event: in a positive case, a template that does
  (the preview endpoint keeps the generated ones, and may answer 422).
- the seeded resources are the fixtures every other operation works on: a generated DELETE that
  names one of them (schemathesis reuses ids it saw in responses) is pointed at an id that does
  not exist instead, so that no operation's data is pulled from under it mid-run.
"""
import os
import re
import time
import uuid

import schemathesis
from schemathesis.generation import GenerationMode

VALID_KEY = re.compile(r"^[!-~]{1,255}$")


def positive(case):
    meta = getattr(case, "meta", None)
    return meta is None or meta.generation.mode != GenerationMode.NEGATIVE


def is_int(v):
    """An integer as JSON Schema counts them (12.0 is one too)."""
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


FIXTURES = {
    "/api/v1/staff/{user_id}": ("user_id", "SEED_USER_ID"),
    "/api/v1/webhooks/{id}": ("id", "SEED_WEBHOOK_ID"),
    "/api/v1/channel-sources/{id}": ("id", "SEED_SOURCE_ID"),
    "/api/v1/keys/{id}": ("id", "SEED_KEY_ID"),
}


@schemathesis.hook
def map_case(context, case):
    if case.operation.method.upper() == "DELETE" and case.operation.path in FIXTURES:
        name, var = FIXTURES[case.operation.path]
        if case.path_parameters and str(case.path_parameters.get(name)) == os.environ[var]:
            case.path_parameters[name] = "0" if name == "user_id" else "gone"
    if case.headers:
        for name in list(case.headers):
            value = case.headers[name]
            if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.match(value):
                case.headers[name] = f"st-{uuid.uuid4()}"
    body = case.body
    if positive(case) and isinstance(body, dict):
        label = f"{case.operation.method.upper()} {case.operation.path}"
        if label == "POST /api/v1/keys" and is_int(body.get("expires_at")):
            if body["expires_at"] <= int(time.time()):
                body["expires_at"] = int(time.time()) + 86_400 + int(body["expires_at"]) % 1000
        if label == "PUT /api/v1/tickets/{id}" and is_int(body.get("assignee")):
            body["assignee"] = int(os.environ["SEED_USER_ID"])
        if label == "POST /api/v1/desks/setup-codes" and isinstance(body.get("bot_id"), str):
            body["bot_id"] = os.environ["SEED_BOT_ID"]
        if label == "POST /api/v1/bots" and isinstance(body.get("token"), str):
            body["token"] = os.environ["SEED_BOT_TOKEN"]
        if label.endswith("/parse-range") and is_int(body.get("from")) and is_int(body.get("to")):
            if body["to"] < body["from"]:
                body["from"], body["to"] = body["to"], body["from"]
        if label in ("POST /api/v1/webhooks", "PUT /api/v1/webhooks/{id}") and isinstance(
            body.get("template"), str
        ):
            body["template"] = '{"type": {{ event.type | tojson }}, "n": ' + str(len(body["template"])) + "}"
    return case


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """A multipart/form-data field is text on the wire: a negative case that "makes a field an
    array" sends the text `[]`, which is a valid caption. Such a case tests the encoding, not the
    API, so its ST201 is dropped; every other failure stands."""
    multipart = (case.media_type or "").startswith("multipart/form-data")
    return not (
        multipart
        and failure.code == "ST201"
        and "violates `type`" in failure.message
    )


# schemathesis 4.32.5 stops the whole run with "ValueError: Invalid IPv6 URL" when a response
# echoes back a generated string such as "http://[x" (a ticket title, a message text): it looks
# for same-origin links in response bodies with urllib's urlsplit, which raises on it. Such a
# string names no link, so it is treated as none.
from schemathesis.engine import observations as _observations

_same_origin_path = _observations._same_origin_path


def _same_origin_path_or_none(value, origin):
    try:
        return _same_origin_path(value, origin)
    except ValueError:
        return None


_observations._same_origin_path = _same_origin_path_or_none
