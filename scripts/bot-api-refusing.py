"""A stand-in for the Bot API that refuses every token, as Telegram does for unknown ones
({"ok": false, "error_code": 401, "description": "Unauthorized"}). scripts/test points
`teledesk serve` at it while schemathesis runs, so that generated bot tokens get Telegram's real
answer instead of a network error. Usage: bot-api-refusing.py PORT"""
import http.server
import json
import sys


class Refuse(http.server.BaseHTTPRequestHandler):
    def answer(self):
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Refuse).serve_forever()
