'use strict';

// Validates the app definition the way `zapier validate` does on this machine: the app's own
// handler runs the `validate` command (zapier-platform-schema over the compiled app, the
// CLI's local check), and the schema package checks the definition as written, functions
// stood in for as the platform serializes them. `node test/validate.js` prints the errors as
// JSON and exits 1 on any; the test driver calls validate().

const zapier = require('zapier-platform-core');
const { validateAppDefinition } = require('zapier-platform-schema');

const App = require('../index');

const serialized = () =>
  JSON.parse(
    JSON.stringify(App, (key, value) =>
      typeof value === 'function' ? `$func$${value.length}$f$` : value,
    ),
  );

const viaHandler = () => {
  const handler = zapier.createAppHandler(App);
  return new Promise((resolve, reject) =>
    handler({ command: 'validate', calledFromCli: true }, {}, (err, out) =>
      err ? reject(err) : resolve(out.results || []),
    ),
  );
};

/** Every error either check finds, as text; [] when the definition is valid. */
const validate = async () => {
  const compiled = (await viaHandler()).map((e) => e.stack || JSON.stringify(e));
  const written = validateAppDefinition(serialized()).errors.map((e) => e.stack || String(e));
  return [...compiled, ...written];
};

if (require.main === module) {
  validate()
    .then((errors) => {
      process.stdout.write(`${JSON.stringify({ errors })}\n`);
      process.exitCode = errors.length ? 1 : 0;
    })
    .catch((err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exitCode = 2;
    });
}

module.exports = { validate };
