"""Signs one account in to a running 校地通 and prints an API bearer token (for .ci/schemathesis.sh).

Usage: schemathesis_token.py BASE_URL USERNAME PASSWORD

First on the web, as a person would: an account whose password someone else set (a generated
initial password, or one an administrator or the environment gave) is sent to /account/password
and must change it there before anything else, so the helper changes it to a new random one
(with the forms' CSRF tokens). Then the API sign-in gives the token. A sign-in answered 429 is
retried after its Retry-After (the sign-in throttle counts these few sign-ins too). Standard
library only.
"""

import http.cookiejar
import json
import re
import secrets
import string
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def with_retry(call):
    """`call()`, again after Retry-After while it is answered 429 (a few times at most)."""
    for attempt in range(4):
        try:
            return call()
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt == 3:
                raise
            wait = min(int(e.headers.get("Retry-After", "5") or 5), 120)
            print(f"sign-in throttled, retrying in {wait} s", file=sys.stderr)
            time.sleep(wait)


def api_login(base, username, password):
    def call():
        req = urllib.request.Request(
            base + "/api/v1/login",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.load(resp)

    try:
        return with_retry(call)
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"error": "?", "message": body}


def csrf_of(html):
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not m:
        sys.exit("no CSRF token on the page:\n" + html[:2000])
    return m.group(1)


def new_password():
    # Upper, lower, digit and symbol, random: passes the policy and any common-password list.
    rng = secrets.SystemRandom()
    chars = [rng.choice(s) for s in (string.ascii_uppercase, string.ascii_lowercase, string.digits, "#%*-_")]
    chars += [rng.choice(string.ascii_letters + string.digits) for _ in range(16)]
    rng.shuffle(chars)
    return "".join(chars)


def change_on_web_if_asked(base, username, password):
    """The password to use from now on: `password`, or the new one the web made us choose."""
    jar = http.cookiejar.CookieJar()
    web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, fields):
        data = urllib.parse.urlencode(fields).encode()

        def call():
            with web.open(base + path, data=data, timeout=30) as resp:
                return resp.geturl(), resp.read().decode("utf-8", "replace")

        return with_retry(call)

    with web.open(base + "/login", timeout=30) as resp:
        csrf = csrf_of(resp.read().decode("utf-8", "replace"))
    url, page = post("/login", {"csrf_token": csrf, "next": "/", "username": username, "password": password})
    if urllib.parse.urlparse(url).path != "/account/password":
        return password
    fresh = new_password()
    post(
        "/account/password",
        {"csrf_token": csrf_of(page), "current": password, "new_password": fresh, "confirm": fresh},
    )
    return fresh


def main():
    base, username, password = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    try:
        password = change_on_web_if_asked(base, username, password)
    except urllib.error.HTTPError as e:
        sys.exit(f"{username}: the web sign-in answered {e.code} at {e.url}")
    status, body = api_login(base, username, password)
    if status != 200 or "token" not in body:
        sys.exit(f"{username}: the API sign-in answered {status}: {body}")
    print(body["token"])


if __name__ == "__main__":
    main()
