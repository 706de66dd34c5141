'use strict';

// Tieline for Zapier. Push it with the Zapier CLI (`zapier push`); README.md's "Zapier"
// recipe says how to register the OAuth client and reach Tieline through a tunnel.

const { version: platformVersion } = require('zapier-platform-core');

const { version } = require('./package.json');
const { addBearer, handleErrors } = require('./api');
const authentication = require('./authentication');
const newEvent = require('./triggers/new_event');
const tracker = require('./triggers/tracker');
const findIssue = require('./searches/find_issue');
const createIssue = require('./creates/create_issue');

module.exports = {
  version,
  platformVersion,
  authentication,
  beforeRequest: [addBearer],
  afterResponse: [handleErrors],
  triggers: {
    [newEvent.key]: newEvent,
    [tracker.key]: tracker,
  },
  searches: {
    [findIssue.key]: findIssue,
  },
  creates: {
    [createIssue.key]: createIssue,
  },
  searchOrCreates: {
    [findIssue.key]: {
      key: findIssue.key,
      display: {
        label: 'Find or Create Issue',
        description: 'Finds an issue by title, and creates it when there is none.',
      },
      search: findIssue.key,
      create: createIssue.key,
    },
  },
};
