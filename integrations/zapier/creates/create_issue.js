'use strict';

// "Create Issue": POST /issues, created through the account Tieline is signed in to on that
// service, then served from the mirror at once. Tieline answers 409 not-connected when no
// account of the service takes issues, 422 when the service is not installed.

const { call } = require('../api');
const { issueOutputFields, issueSample } = require('../issues');

const perform = async (z, bundle) => {
  const input = bundle.inputData;
  const body = {
    connector: input.connector,
    scope: input.scope,
    title: input.title,
    body: input.body || '',
  };
  if (input.host) body.host = input.host;
  const { data } = await call(z, bundle, 'POST', '/issues', { body });
  return data;
};

module.exports = {
  key: 'create_issue',
  noun: 'Issue',
  display: {
    label: 'Create Issue',
    description: 'Creates an issue in a tracker Tieline is signed in to (GitHub, GitLab, Jira, Linear...).',
  },
  operation: {
    inputFields: [
      {
        key: 'connector',
        label: 'Service',
        required: true,
        type: 'string',
        dynamic: 'tracker.id.name',
        altersDynamicFields: false,
      },
      {
        key: 'scope',
        label: 'Repository or Project',
        required: true,
        type: 'string',
        helpText: 'Where the issue goes: `owner/repo`, a Jira project key, a Linear team.',
      },
      { key: 'title', label: 'Title', required: true, type: 'string' },
      { key: 'body', label: 'Description', type: 'text' },
      {
        key: 'host',
        label: 'Host',
        type: 'string',
        helpText: 'Only when Tieline is signed in to several hosts of the service (`gitlab.example.com`).',
      },
    ],
    perform,
    sample: issueSample,
    outputFields: issueOutputFields,
  },
};
