// n8n Code node ("Run Once for All Items"): check a Tieline delivery's Standard Webhooks
// signature over the raw body, as sent, before anything trusts it. Needs the Webhook node's
// "Raw Body" option and NODE_FUNCTION_ALLOW_BUILTIN=crypto; the endpoint's whsec_ secret
// comes from the TIELINE_WEBHOOK_SECRET environment variable of the n8n process.
const crypto = require('crypto');

const TOLERANCE_SECONDS = 300;
const secret = $env.TIELINE_WEBHOOK_SECRET || '';
if (!secret.startsWith('whsec_')) {
  throw new Error('TIELINE_WEBHOOK_SECRET is not set to the endpoint\'s whsec_ secret');
}
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

const item = $input.first();
const headers = item.json.headers || {};
const id = headers['webhook-id'];
const timestamp = headers['webhook-timestamp'];
const signatures = (headers['webhook-signature'] || '').split(' ');
if (!id || !timestamp || signatures.length === 0) {
  throw new Error('not a signed Tieline delivery (webhook-id, -timestamp, -signature missing)');
}
const age = Math.abs(Date.now() / 1000 - Number(timestamp));
if (!(age <= TOLERANCE_SECONDS)) {
  throw new Error('the delivery\'s timestamp is outside the tolerance: refused as a replay');
}
const body = await this.helpers.getBinaryDataBuffer(0, 'data');
const expected = crypto
  .createHmac('sha256', key)
  .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]))
  .digest();
const valid = signatures.some((s) => {
  const [version, sig] = s.split(',', 2);
  if (version !== 'v1' || !sig) return false;
  const given = Buffer.from(sig, 'base64');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
});
if (!valid) {
  throw new Error('the delivery\'s signature does not match: refused');
}
const event = JSON.parse(body.toString('utf8'));
return [{ json: { verified: true, webhookId: id, type: event.type, data: event.data } }];
