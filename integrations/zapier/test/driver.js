'use strict';

// Runs the app's operations through zapier-platform-core's createAppTester, for the tests
// that drive it against a real Tieline (tests/automation/test_zapier.py). One JSON request a
// line on stdin: {"id", "method": "triggers.new_event.operation.performSubscribe",
// "bundle": {...}} or {"id", "validate": true}; one answer a line on stdout, after MARK:
// {"id", "ok": true, "result"} or {"id", "ok": false, "error": {"name", "message", "code",
// "status"}}. Other output (the platform's own logs) never starts with MARK.

const readline = require('readline');

const zapier = require('zapier-platform-core');

const App = require('../index');
const { validate } = require('./validate');

const MARK = '@@tieline-zapier ';
const appTester = zapier.createAppTester(App);

const resolve = (path) => {
  let node = App;
  for (const part of path.split('.')) {
    node = node == null ? undefined : node[part];
  }
  if (node === undefined) {
    throw new Error(`the app has no ${path}`);
  }
  return node;
};

/** The error as data: an AppError's message is JSON of {message, code, status}. */
const describe = (err) => {
  const out = { name: err.name || 'Error', message: String(err.message || err) };
  try {
    const parsed = JSON.parse(out.message);
    if (parsed && typeof parsed === 'object') Object.assign(out, parsed);
  } catch (_e) {
    // not JSON: the message is the message
  }
  return out;
};

const answer = (reply) => process.stdout.write(`${MARK}${JSON.stringify(reply)}\n`);

const handle = async (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    answer({ id: null, ok: false, error: describe(err) });
    return;
  }
  try {
    const result = request.validate
      ? await validate()
      : await appTester(resolve(request.method), request.bundle || {});
    answer({ id: request.id, ok: true, result: result === undefined ? null : result });
  } catch (err) {
    answer({ id: request.id, ok: false, error: describe(err) });
  }
};

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (line.trim()) queue = queue.then(() => handle(line));
});
lines.on('close', () => queue.then(() => process.exit(0)));
answer({ id: 0, ok: true, result: { ready: true, version: zapier.version } });
