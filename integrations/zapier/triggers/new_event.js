'use strict';

// "New Event": an instant trigger on the hub's events, as a REST hook. Turning a Zap on
// subscribes Zapier's hook URL to an event glob (POST /hooks); Tieline then POSTs each
// matching event there, signed with Standard Webhooks headers, retried on failure; turning
// the Zap off unsubscribes (DELETE /hooks/{id}). A deleted Zap's URL answers 410 Gone, which
// ends the subscription on Tieline's side too.

const { call, raiseForProblem } = require('../api');
const { globMatcher, header, record } = require('../events');

const subscribe = async (z, bundle) => {
  const { data } = await call(z, bundle, 'POST', '/hooks', {
    body: { target_url: bundle.targetUrl, event: bundle.inputData.event },
  });
  return data; // {id, target_url, event}: Zapier keeps it as bundle.subscribeData
};

const unsubscribe = async (z, bundle) => {
  const id = bundle.subscribeData && bundle.subscribeData.id;
  if (!id) {
    return {};
  }
  const { response } = await call(
    z,
    bundle,
    'DELETE',
    `/hooks/${encodeURIComponent(id)}`,
    { skipThrowForStatus: true },
  );
  // 404: Tieline has dropped it already (its target answered 410 Gone): what was asked.
  if (response.status !== 404) {
    raiseForProblem(response, z);
  }
  return { id, removed: response.status === 204 };
};

/** A delivery: `{type, timestamp, data}` as Tieline sent it, with the message's
 * `webhook-id` as its id (a retried delivery keeps the same one). */
const perform = (z, bundle) => {
  const body = bundle.cleanedRequest || {};
  const headers = (bundle.rawRequest && bundle.rawRequest.headers) || {};
  const id = header(headers, 'webhook-id') || body.id || `${body.type}@${body.timestamp}`;
  return [record(id, body.type, body.timestamp, body.data || {})];
};

/** Samples for the Zap editor: the newest recent events that match the glob. */
const performList = async (z, bundle) => {
  const { data } = await call(z, bundle, 'GET', '/events', { params: { limit: 1000 } });
  const matches = globMatcher(bundle.inputData.event || '*');
  return (data.items || [])
    .filter((e) => matches(e.kind))
    .reverse()
    .slice(0, 10)
    .map((e) => record(`event-${e.id}`, e.kind, e.time, e));
};

module.exports = {
  key: 'new_event',
  noun: 'Event',
  display: {
    label: 'New Event',
    description:
      'Triggers when Tieline sees an event of the kinds you pick (CI failed, a review requested, an issue opened, a sync completed...), at once.',
  },
  operation: {
    type: 'hook',
    inputFields: [
      {
        key: 'event',
        label: 'Event kinds',
        required: true,
        type: 'string',
        default: '*',
        helpText:
          'An event kind or a glob: `ci.failed`, `pull_request.*`, `issue.opened`, `sync.completed`, or `*` for every event.',
      },
    ],
    performSubscribe: subscribe,
    performUnsubscribe: unsubscribe,
    perform,
    performList,
    sample: {
      id: 'msg_2f1c8d0a6b7e4c2d',
      type: 'ci.failed',
      timestamp: '2026-12-03T14:00:00+00:00',
      data: {
        connector: 'github',
        account: 'octocat@github.com',
        subject: 'octo/app@main',
        payload: { title: 'build', url: 'https://github.com/octo/app/actions/runs/1' },
      },
    },
    outputFields: [
      { key: 'id', label: 'Delivery ID' },
      { key: 'type', label: 'Event Kind' },
      { key: 'timestamp', label: 'Time', type: 'datetime' },
      { key: 'data__connector', label: 'Service' },
      { key: 'data__account', label: 'Account' },
      { key: 'data__subject', label: 'Subject' },
    ],
  },
};
