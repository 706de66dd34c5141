'use strict';

// The record "New Event" gives a Zap, the same for a live delivery and for a sample drawn
// from Tieline's recent events, so fields mapped on a sample are there when the Zap runs.

/**
 * A header of a delivery, whatever case the request that carried it used. Zapier hands a
 * hook's headers over as `Http-Webhook-Id`; a plain `webhook-id` is taken as well.
 */
const header = (headers, name) => {
  const wanted = [name.toLowerCase(), `http-${name.toLowerCase()}`];
  for (const [key, value] of Object.entries(headers || {})) {
    if (wanted.includes(key.toLowerCase())) {
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
};

/** `{id, type, timestamp, data: {connector, account, subject, payload}}`: the delivery's
 * envelope (Standard Webhooks' shape) with an id. */
const record = (id, type, timestamp, data) => ({
  id: String(id),
  type,
  timestamp,
  data: {
    connector: data.connector,
    account: data.account,
    subject: data.subject,
    payload: data.payload || {},
  },
});

/** fnmatch's globs, as the hub matches event kinds: `*` anything (dots too), `?` one
 * character, everything else itself. */
const globMatcher = (pattern) => {
  const body = Array.from(String(pattern))
    .map((c) => {
      if (c === '*') return '.*';
      if (c === '?') return '.';
      return c.replace(/[.+^${}()|[\]\\-]/g, '\\$&');
    })
    .join('');
  const re = new RegExp(`^${body}$`, 's');
  return (kind) => re.test(String(kind));
};

module.exports = { globMatcher, header, record };
