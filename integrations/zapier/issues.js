'use strict';

// What Find Issue and Create Issue share: the issue's fields as the API serves them
// (`IssueDetail` in /api/v1/openapi.json), for the Zap editor's labels.

const issueOutputFields = [
  { key: 'id', label: 'ID' },
  { key: 'service', label: 'Service' },
  { key: 'host', label: 'Host' },
  { key: 'scope', label: 'Repository or Project' },
  { key: 'key', label: 'Key' },
  { key: 'ref', label: 'Reference' },
  { key: 'number', label: 'Number', type: 'integer' },
  { key: 'title', label: 'Title' },
  { key: 'state', label: 'State' },
  { key: 'status', label: 'Status' },
  { key: 'author', label: 'Author' },
  { key: 'assignees[]', label: 'Assignees' },
  { key: 'labels[]', label: 'Labels' },
  { key: 'url', label: 'URL' },
  { key: 'created_at', label: 'Created At', type: 'datetime' },
  { key: 'updated_at', label: 'Updated At', type: 'datetime' },
  { key: 'body', label: 'Body' },
];

const issueSample = {
  id: 'github:github.com:octo/app#7',
  service: 'github',
  service_name: 'GitHub',
  host: 'github.com',
  scope: 'octo/app',
  key: '#7',
  ref: 'octo/app#7',
  number: 7,
  kind: 'issue',
  title: 'Crash on start',
  state: 'open',
  status: null,
  status_category: null,
  type: null,
  priority: null,
  sprint: null,
  author: 'hubot',
  assignees: ['octocat'],
  labels: ['bug'],
  url: 'https://github.com/octo/app/issues/7',
  created_at: '2026-12-01T09:00:00+00:00',
  updated_at: '2026-12-02T10:30:00+00:00',
  groups: ['assigned'],
  body: 'It crashes.',
  comments: 0,
};

module.exports = { issueOutputFields, issueSample };
