'use strict';

// The trackers this Tieline can create issues in, for Create Issue's dropdown. The API's
// OpenAPI document names them (the `connector` enum of IssueCreate is filled from the
// installed IssueTracker connectors), so the list is the server's, never a copy kept here.

const { call } = require('../api');

const perform = async (z, bundle) => {
  const { data } = await call(z, bundle, 'GET', '/openapi.json');
  const schemas = (data && data.components && data.components.schemas) || {};
  const connector = (schemas.IssueCreate && schemas.IssueCreate.properties.connector) || {};
  return (connector.enum || []).map((id) => ({ id, name: id }));
};

module.exports = {
  key: 'tracker',
  noun: 'Tracker',
  display: {
    label: 'Issue Trackers',
    description: "Lists the issue trackers Tieline has installed (for Create Issue's dropdown).",
    hidden: true,
  },
  operation: {
    perform,
    sample: { id: 'github', name: 'github' },
    outputFields: [
      { key: 'id', label: 'Connector' },
      { key: 'name', label: 'Name' },
    ],
  },
};
