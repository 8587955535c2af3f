"""Seeds a `teledesk serve` for the schemathesis run (scripts/test), so that generated requests
reach the handlers instead of 404s: a bot on the Bot API double (examples/bot_api_double), a forum
group made its desk with a one-time setup code, a ticket opened by a customer's message, an
internal user, a webhook endpoint with a delivery, a channel source, the demo listings and the
car_request scenario (`teledesk seed`), a lead, and a second API key to revoke. Prints the identifiers as `NAME=value` lines for schemathesis.toml.

Usage: schemathesis-seed.py TELEDESK_BIN DATA_DIR SERVE_URL API_KEY BOT_TOKEN
"""
import json
import subprocess
import sys
import time
import urllib.request

teledesk, data_dir, serve, api_key, token = sys.argv[1:6]
bot_id = token.split(":")[0]
secret = "fuzz-webhook-secret"
group = -1_001_200_000_001  # examples/bot_api_double.rs: GROUP, where ADMIN is an administrator
admin = 7_201
customer = 7_301


def cli(*args):
    return subprocess.run(
        [teledesk, "--data-dir", data_dir, *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def call(method, path, body=None, headers=None):
    req = urllib.request.Request(
        serve + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path}: {e.code} {e.read().decode()}")
    return json.loads(raw) if raw else None


def api(method, path, body=None):
    return call(method, path, body, {"authorization": f"Bearer {api_key}"})


update_id = [0]


def telegram(kind, payload):
    update_id[0] += 1
    call(
        "POST",
        f"/telegram/{bot_id}",
        {"update_id": update_id[0], kind: payload},
        {"x-telegram-bot-api-secret-token": secret},
    )


def until(what, check, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise SystemExit(f"seeding: {what} did not happen")


cli("bots", "add", "--token", token, "--secret", secret)
chat = {"id": group, "type": "supergroup", "title": "Fuzz desk", "is_forum": True}
me = {"id": int(bot_id), "is_bot": True, "first_name": "Fuzz"}
admin_user = {"id": admin, "is_bot": False, "first_name": "Ada"}
rights = {
    "status": "administrator", "user": me, "can_be_edited": False, "is_anonymous": False,
    "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": False,
    "can_restrict_members": False, "can_promote_members": False, "can_change_info": False,
    "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_manage_topics": True,
}
telegram("my_chat_member", {"chat": chat, "from": admin_user, "date": 1_790_000_000,
                            "old_chat_member": {"status": "left", "user": me},
                            "new_chat_member": rights})
code = cli("desks", "setup-code")
telegram("message", {"message_id": 1, "date": 1_790_000_000, "chat": chat, "from": admin_user,
                     "text": f"/setup_desk {code}",
                     "entities": [{"type": "bot_command", "offset": 0, "length": 11}]})
until("the desk", lambda: any(d["is_desk"] for d in api("GET", "/api/v1/desks")["data"]))
cli("staff", "add", "--user-id", "7202", "--username", "fuzz_agent", "--name", "Fuzz agent")
cli("staff", "add", "--user-id", "7203", "--username", "fuzz_leaver", "--name", "To remove")
hook = api("POST", "/api/v1/webhooks", {"url": "https://hooks.example.com/teledesk"})
doomed_hook = api("POST", "/api/v1/webhooks", {"url": "https://hooks.example.com/doomed"})
customer_user = {"id": customer, "is_bot": False, "first_name": "Cy"}
telegram("message", {"message_id": 2, "date": 1_790_000_000, "from": customer_user,
                     "chat": {"id": customer, "type": "private", "first_name": "Cy"},
                     "text": "my parcel is late"})
ticket = until("the ticket", lambda: api("GET", "/api/v1/tickets")["data"])[0]
delivery = until(
    "a delivery", lambda: api("GET", f"/api/v1/webhooks/{hook['id']}/deliveries")["data"]
)[0]
source = api("POST", "/api/v1/channel-sources", {"channel": "fuzz_channel"})
doomed_source = api("POST", "/api/v1/channel-sources", {"channel": "fuzz_doomed"})
cli("seed")
listing = api("GET", "/api/v1/listings?limit=1")["data"][0]
spare_key = api("POST", "/api/v1/keys", {"name": "to revoke", "scopes": ["tickets:read"]})
recovery = api("POST", f"/api/v1/webhooks/{hook['id']}/recover", {"since": 0, "dry_run": True})
# `teledesk seed` published the car_request scenario; a lead from a website form.
lead = api("POST", "/api/v1/leads", {
    "scenario": "car_request", "consent_at": 1_790_000_000, "source": "website",
    "answers": {"make": "skoda", "model": "Octavia", "year_from": 2017, "year_to": 2020,
                "currency": "EUR", "budget": 18000, "city": {"city": "Odesa"}, "phone": "+380670001122"}})
request = api("POST", "/api/v1/requests", {"make": "Audi", "model": "A4", "budget_max": 2_000_000,
                                           "currency": "EUR", "city": "Kyiv"})
dealer = api("POST", "/api/v1/dealers", {"user_id": 7301, "name": "Dana", "company": "Fuzz Motors",
                                         "phone": "+380671234567"})

for name, value in {
    "SEED_BOT_ID": bot_id,
    "SEED_BOT_TOKEN": token,
    "SEED_CHAT_ID": group,
    "SEED_TICKET_ID": ticket["ticket_id"],
    "SEED_USER_ID": 7202,
    "SEED_DOOMED_USER_ID": 7203,
    "SEED_WEBHOOK_ID": hook["id"],
    "SEED_DOOMED_WEBHOOK_ID": doomed_hook["id"],
    "SEED_EVENT_ID": delivery["event_id"],
    "SEED_SOURCE_ID": source["id"],
    "SEED_DOOMED_SOURCE_ID": doomed_source["id"],
    "SEED_LISTING_ID": listing["id"],
    "SEED_SPARE_KEY_ID": spare_key["id"],
    "SEED_RECOVERY_ID": recovery["id"],
    "SEED_SCENARIO_KEY": "car_request",
    "SEED_LEAD_ID": lead["id"],
    "SEED_REQUEST_ID": request["id"],
    "SEED_DEALER_ID": dealer["id"],
}.items():
    print(f"{name}={value}")
