"""The management pages' HTML: Jinja2 templates with autoescape on, kept in this module.

Jinja2 rather than the widgets' markup builder: these are whole pages with forms, tables
and loops, which a template says more plainly than nested builder calls, and autoescape
(``select_autoescape`` forced on for every template here) escapes every value -- a hostile
endpoint URL or client name is text, never markup. The templates live in a dict, not in
files, so the package needs no data files. No script, no third-party asset: a small style
sheet served from ``/manage/style.css`` (the CSP allows only this origin).

Each page says ``<meta name="referrer" content="same-origin">``: under the web face's
``Referrer-Policy: no-referrer`` a browser sends ``Origin: null`` with a form post (the Fetch
standard's rule), and the CSRF check (:func:`.sessions.check_same_origin`) needs the real
origin. Same-origin still sends nothing to any other site.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined

STYLE = """\
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#24292f;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center}
header a{color:#fff}header form{margin-left:auto}
main{max-width:72em;margin:1em auto;padding:0 1em}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5em 0 1.2em}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef1f4}code,pre{font:13px ui-monospace,monospace}
pre{white-space:pre-wrap;word-break:break-all;margin:0}
fieldset{background:#fff;border:1px solid #d0d7de;margin:.8em 0}
label{display:block;margin:.3em 0}input[type=text],input[type=url],textarea{width:100%}
.notice{background:#ddf4ff;border:1px solid #54aeff;padding:.5em 1em;margin:.5em 0}
.error{background:#ffebe9;border:1px solid #ff8182;padding:.5em 1em;margin:.5em 0}
.secret{font:14px ui-monospace,monospace;background:#fff8c5;padding:.2em .4em;user-select:all}
.ok{color:#1a7f37}.bad{color:#cf222e}.pending{color:#9a6700}
form.inline{display:inline}
"""

_BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="same-origin">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} - Tieline</title><link rel="stylesheet" href="/manage/style.css"></head>
<body><header><strong>Tieline</strong>
<a href="/manage/">Overview</a><a href="/manage/webhooks">Webhooks</a>
<a href="/manage/api">API clients</a>
<form method="post" action="/manage/logout"><input type="hidden" name="csrf" value="{{ csrf }}">
<button>Log out</button></form></header>
<main><h1>{{ title }}</h1>
{% for text, secret in notices %}<div class="notice" role="status">{{ text }}
{% if secret %}<p><code class="secret" id="secret">{{ secret }}</code></p>
<p>Copy it now: it is not shown again.</p>{% endif %}</div>{% endfor %}
{% for e in errors %}<div class="error" role="alert">{{ e }}</div>{% endfor %}
{% block content %}{% endblock %}</main></body></html>
"""

_OVERVIEW = """{% extends "base" %}{% block content %}
<ul><li><a href="/manage/webhooks">Outgoing webhooks</a>: {{ endpoints }} endpoint(s)</li>
<li><a href="/manage/api">API clients</a>: {{ clients }} client(s), {{ pending }} request(s)
waiting for you, {{ grants }} grant(s)</li></ul>{% endblock %}
"""

_CSRF = '<input type="hidden" name="csrf" value="{{ csrf }}">'

_WEBHOOKS = (
    """{% extends "base" %}{% block content %}
<table id="endpoints"><thead><tr><th>Endpoint</th><th>URL</th><th>Events</th><th>State</th>
<th>Last delivery</th></tr></thead><tbody>
{% for row in rows %}<tr>
<td><a href="/manage/webhooks/{{ row.ep.id }}">{{ row.ep.id }}</a>
{% if row.ep.description %}<br>{{ row.ep.description }}{% endif %}</td>
<td><code>{{ row.ep.url }}</code></td><td>{{ row.ep.event_types | join(" ") }}</td>
<td>{% if row.ep.enabled %}<span class="ok">enabled</span>{% else %}<span class="bad">disabled:
{{ row.ep.disabled_reason or "" }}</span>{% endif %}</td>
<td>{% if row.last %}<span class="{{ row.last_class }}">{{ row.last.state.value }}</span>
{{ row.last_status }} {{ when(row.last.updated_at) }}{% else %}none yet{% endif %}</td>
</tr>{% else %}<tr><td colspan="5">No endpoints yet.</td></tr>{% endfor %}
</tbody></table>
<form method="post" action="/manage/webhooks" id="create-webhook"><fieldset>
<legend>Add an endpoint</legend>"""
    + _CSRF
    + """
<label>URL <input type="url" name="url" required placeholder="https://example.com/hook"></label>
<label>Event filter (globs, space-separated; empty: all)
<input type="text" name="events" placeholder="ci.* pull_request.*"></label>
<label>Template (JMESPath, optional) <input type="text" name="template"></label>
<label>Description <input type="text" name="description"></label>
<button>Add endpoint</button></fieldset></form>{% endblock %}
"""
)

_ENDPOINT = (
    """{% extends "base" %}{% block content %}
<table><tbody>
<tr><th>URL</th><td><code id="url">{{ ep.url }}</code></td></tr>
<tr><th>Description</th><td>{{ ep.description }}</td></tr>
<tr><th>Events</th><td>{{ ep.event_types | join(" ") }}</td></tr>
<tr><th>Template</th><td><code>{{ ep.template or "" }}</code></td></tr>
<tr><th>State</th><td>{% if ep.enabled %}<span class="ok">enabled</span>{% else %}
<span class="bad">disabled: {{ ep.disabled_reason or "" }}</span>{% endif %}
{% if ep.failing_since %}(failing since {{ when(ep.failing_since) }}){% endif %}</td></tr>
<tr><th>Secret</th><td>{% if ep.previous_expires_at %}rotated; the previous one signs too
until {{ when(ep.previous_expires_at) }}{% else %}kept in the vault{% endif %}</td></tr>
</tbody></table>
<p>
<form class="inline" method="post" action="/manage/webhooks/{{ ep.id }}/test">"""
    + _CSRF
    + """<button id="send-test">Send a test event</button></form>
<form class="inline" method="post" action="/manage/webhooks/{{ ep.id }}/rotate">"""
    + _CSRF
    + """<button>Rotate secret</button></form>
{% if ep.enabled %}<form class="inline" method="post"
action="/manage/webhooks/{{ ep.id }}/disable">"""
    + _CSRF
    + """<button>Disable</button></form>{% else %}<form class="inline" method="post"
action="/manage/webhooks/{{ ep.id }}/enable">"""
    + _CSRF
    + """<button>Enable</button></form>{% endif %}
<form class="inline" method="post" action="/manage/webhooks/{{ ep.id }}/delete">"""
    + _CSRF
    + """<button>Delete endpoint</button></form></p>
<form method="post" action="/manage/webhooks/{{ ep.id }}/recover"><fieldset>
<legend>Send the failed messages again</legend>"""
    + _CSRF
    + """
<label>Since (ISO 8601 time in UTC, or an age: 90m, 6h, 2d)
<input type="text" name="since" value="1d" required></label><button>Recover</button>
</fieldset></form>
<h2>Delivery log</h2>
<table id="log"><thead><tr><th>Message</th><th>Event</th><th>State</th><th>Attempts</th>
<th></th></tr></thead><tbody>
{% for e in log %}<tr class="message">
<td><code>{{ e.message.id }}</code><br>{{ when(e.message.created_at) }}</td>
<td>{{ e.message.event_type }}</td>
<td><span class="{{ state_class(e.message.state.value) }}">{{ e.message.state.value }}</span>
{% if e.message.last_error %}<br>{{ e.message.last_error }}{% endif %}</td>
<td><table><thead><tr><th>When</th><th>Trigger</th><th>Status</th><th>Latency</th>
<th>Outcome</th><th>Response</th></tr></thead><tbody>
{% for a in e.attempts %}<tr class="attempt"><td>{{ when(a.started_at) }}</td>
<td>{{ a.trigger.value }}</td><td>{{ a.status if a.status is not none else "-" }}</td>
<td>{{ "%.1f" | format(a.latency_ms) }} ms</td><td>{{ a.outcome.value }}</td>
<td>{{ a.error or "" }}<pre>{{ excerpt(a.response or "") }}</pre></td></tr>
{% else %}<tr><td colspan="6">not tried yet</td></tr>{% endfor %}</tbody></table></td>
<td><form method="post" action="/manage/webhooks/messages/{{ e.message.id }}/replay">"""
    + _CSRF
    + """<button>Replay</button></form></td></tr>
{% else %}<tr><td colspan="5">No messages yet.</td></tr>{% endfor %}
</tbody></table>{% endblock %}
"""
)

_API = (
    """{% extends "base" %}{% block content %}
<h2>Requests waiting for you</h2>
<table id="pending"><thead><tr><th>Request</th><th>Client</th><th>Asks for</th><th></th></tr>
</thead><tbody>
{% for r in pending %}<tr><td><code>{{ r.id }}</code> ({{ r.kind }})</td>
<td>{{ r.client_name }} <code>{{ r.client_id }}</code><br>{{ r.redirect_uri }}</td>
<td><pre>{{ r.scope }}</pre></td><td>
<form class="inline" method="post" action="/manage/api/consents/{{ r.id }}/approve">"""
    + _CSRF
    + """<button>Allow</button></form>
<form class="inline" method="post" action="/manage/api/consents/{{ r.id }}/deny">"""
    + _CSRF
    + """<button>Deny</button></form></td></tr>
{% else %}<tr><td colspan="4">No request is waiting.</td></tr>{% endfor %}</tbody></table>
<h2>Grants</h2>
<table id="grants"><thead><tr><th>Client</th><th>Scopes</th><th>Granted</th>
<th>Live tokens</th><th></th></tr></thead><tbody>
{% for g in grants %}<tr><td>{{ g.client_name }} <code>{{ g.client_id }}</code></td>
<td>{{ g.scopes | join(" ") }}</td><td>{{ when(g.granted_at) }}</td><td>{{ g.live_tokens }}</td>
<td><form method="post" action="/manage/api/grants/{{ g.client_id }}/revoke">"""
    + _CSRF
    + """<button>Revoke</button></form></td></tr>
{% else %}<tr><td colspan="5">No client holds a grant.</td></tr>{% endfor %}</tbody></table>
<h2>Clients</h2>
<table id="clients"><thead><tr><th>Client</th><th>Kind</th><th>Redirect URIs</th>
<th>Scopes</th><th></th></tr></thead><tbody>
{% for c in clients %}<tr><td>{{ c.name }}<br><code>{{ c.client_id }}</code></td>
<td>{{ c.kind }}</td><td>{% for u in c.redirect_uris %}<code>{{ u }}</code><br>{% endfor %}</td>
<td>{{ c.scopes | join(" ") }}</td><td>
<form method="post" action="/manage/api/clients/{{ c.client_id }}/remove">"""
    + _CSRF
    + """<button>Remove</button></form></td></tr>
{% else %}<tr><td colspan="5">No clients registered.</td></tr>{% endfor %}</tbody></table>
<form method="post" action="/manage/api/clients" id="register-client"><fieldset>
<legend>Register a client</legend>"""
    + _CSRF
    + """
<label>Name <input type="text" name="name" required></label>
<label><input type="checkbox" name="confidential" value="1"> Confidential (it gets a secret,
shown once; it may redirect to https)</label>
<label>Redirect URIs (one a line: http://127.0.0.1/callback, com.example.app:/cb, https://...)
<textarea name="redirect_uris" rows="2" required></textarea></label>
<fieldset><legend>Scopes (none ticked: all)</legend>
{% for s in all_scopes %}<label><input type="checkbox" name="scope" value="{{ s }}"> {{ s }}:
{{ describe(s) }}</label>{% endfor %}</fieldset>
<button>Register</button></fieldset></form>{% endblock %}
"""
)

_REFUSED = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} - Tieline</title><link rel="stylesheet" href="/manage/style.css"></head>
<body><main><h1>{{ title }}</h1><p>{{ text }}</p></main></body></html>
"""

_env = Environment(
    loader=DictLoader(
        {
            "base": _BASE,
            "overview": _OVERVIEW,
            "webhooks": _WEBHOOKS,
            "endpoint": _ENDPOINT,
            "api": _API,
            "refused": _REFUSED,
        }
    ),
    autoescape=True,
    undefined=StrictUndefined,
    auto_reload=False,
)

#: How much of a receiver's answer the log shows.
EXCERPT = 300


def when(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "..."


def state_class(state: str) -> str:
    return {"delivered": "ok", "failed": "bad"}.get(state, "pending")


def render(name: str, **values: Any) -> str:
    """The page ``name`` with ``values`` (every value escaped unless it is ``Markup``)."""
    values.setdefault("notices", [])
    values.setdefault("errors", [])
    return _env.get_template(name).render(
        when=when, excerpt=excerpt, state_class=state_class, **values
    )
