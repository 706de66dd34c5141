'use strict';

// "Find Issue": one issue by its Tieline id (GET /issues/{id}), or the mirrored issues whose
// title holds every word given, newest change first (GET /issues, filtered by service,
// repository or project, state and assignee on the server, by title here: the API has no
// full-text search of issues). Both read what Tieline's last sync mirrored.

const { call, raiseForProblem } = require('../api');
const { issueOutputFields, issueSample } = require('../issues');

/** How many pages of 200 are read looking for a title before giving up. */
const MAX_PAGES = 5;

const byId = async (z, bundle, id) => {
  // The id's slashes may stay; its '#' (and anything else) must be escaped.
  const path = `/issues/${encodeURIComponent(id).replace(/%2F/gi, '/')}`;
  const { response, data } = await call(z, bundle, 'GET', path, { skipThrowForStatus: true });
  if (response.status === 404) {
    return []; // a search that finds nothing is not an error: the Zap may create one
  }
  raiseForProblem(response, z);
  return [data];
};

const words = (text) =>
  String(text || '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);

const byTitle = async (z, bundle) => {
  const input = bundle.inputData;
  const wanted = words(input.title);
  const params = { limit: 200 };
  for (const key of ['connector', 'scope', 'state', 'assignee']) {
    if (input[key]) params[key] = input[key];
  }
  const found = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { data } = await call(z, bundle, 'GET', '/issues', {
      params: cursor ? { ...params, cursor } : params,
    });
    for (const issue of data.items || []) {
      const title = String(issue.title || '').toLowerCase();
      if (wanted.every((w) => title.includes(w))) found.push(issue);
    }
    cursor = data.next_cursor;
    if (!cursor || found.length >= 25) break;
  }
  return found.slice(0, 25);
};

const perform = (z, bundle) => {
  const id = String(bundle.inputData.id || '').trim();
  return id ? byId(z, bundle, id) : byTitle(z, bundle);
};

module.exports = {
  key: 'find_issue',
  noun: 'Issue',
  display: {
    label: 'Find Issue',
    description:
      'Finds an issue Tieline has mirrored from your trackers, by its id or by words in its title.',
  },
  operation: {
    inputFields: [
      {
        key: 'title',
        label: 'Title Words',
        type: 'string',
        helpText: 'Words the title holds, in any order and case. Ignored when an ID is given.',
      },
      {
        key: 'id',
        label: 'Issue ID',
        type: 'string',
        helpText: "Tieline's id of the issue: `connector:host:label`, such as `github:github.com:octo/app#7`.",
      },
      {
        key: 'connector',
        label: 'Service',
        type: 'string',
        dynamic: 'tracker.id.name',
        helpText: 'Only issues of this service.',
      },
      {
        key: 'scope',
        label: 'Repository or Project',
        type: 'string',
        helpText: 'Only issues of this repository, project or team (`octo/app`, `PROJ`).',
      },
      {
        key: 'state',
        label: 'State',
        type: 'string',
        choices: { open: 'Open', closed: 'Closed' },
      },
      {
        key: 'assignee',
        label: 'Assignee',
        type: 'string',
        helpText: 'Only issues assigned to this login.',
      },
    ],
    perform,
    sample: issueSample,
    outputFields: issueOutputFields,
  },
};
