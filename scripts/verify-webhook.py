"""Verifies one webhook request with the official Standard Webhooks library (PyPI
`standardwebhooks`). Usage: verify-webhook.py SECRET HEADERS_JSON BODY_FILE; exit 0 when valid.
The webhook tests run it on requests Teledesk sent."""
import json
import sys

from standardwebhooks.webhooks import Webhook

secret, headers_json, body_file = sys.argv[1], sys.argv[2], sys.argv[3]
headers = json.loads(headers_json)
with open(body_file, "rb") as f:
    body = f.read()
# Timestamps are checked against the clock (5 minutes of tolerance), as receivers do.
Webhook(secret).verify(body, headers)
print("verified", headers["webhook-id"])
