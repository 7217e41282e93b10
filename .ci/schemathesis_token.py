"""Signs one account in to a running 校地通 and prints an API bearer token (for .ci/schemathesis.sh).

Usage: schemathesis_token.py BASE_URL USERNAME PASSWORD

An account whose password someone else set (a generated initial password, or one an administrator
or the command line gave) must change it first. The API answers 403 password_change_required; the
change is made where a person makes it, on the web form (/login, then /account/password, with their
CSRF tokens), to a new random password, and the API sign-in is tried again. Standard library only.
"""

import http.cookiejar
import json
import re
import secrets
import string
import sys
import urllib.error
import urllib.parse
import urllib.request


def api_login(base, username, password):
    req = urllib.request.Request(
        base + "/api/v1/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.load(resp)
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


def change_on_web(base, username, password):
    jar = http.cookiejar.CookieJar()
    web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, fields):
        data = urllib.parse.urlencode(fields).encode()
        with web.open(base + path, data=data, timeout=30) as resp:
            return resp.geturl(), resp.read().decode("utf-8", "replace")

    with web.open(base + "/login", timeout=30) as resp:
        csrf = csrf_of(resp.read().decode("utf-8", "replace"))
    url, page = post("/login", {"csrf_token": csrf, "next": "/", "username": username, "password": password})
    if not url.endswith("/account/password"):
        sys.exit(f"{username}: the web sign-in did not lead to the password page but to {url}")
    fresh = new_password()
    url, page = post(
        "/account/password",
        {"csrf_token": csrf_of(page), "current": password, "new_password": fresh, "confirm": fresh},
    )
    return fresh


def main():
    base, username, password = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    status, body = api_login(base, username, password)
    if status == 403 and body.get("error") == "password_change_required":
        password = change_on_web(base, username, password)
        status, body = api_login(base, username, password)
    if status != 200 or "token" not in body:
        sys.exit(f"{username}: the API sign-in answered {status}: {body}")
    print(body["token"])


if __name__ == "__main__":
    main()
