/**
 * The CI panel's shell logic without `vscode` (the adapter is `ci.ts`; the unit tests check
 * this module alone):
 *  - which actions a CI node allows, read from the server's `can.<action>` words of its
 *    `contextValue` (the context-menu `when` clauses in package.json test the same words);
 *  - asking a trigger's inputs ("Run pipeline…") through a small UI interface;
 *  - reading a `tieline-log:` document by paging through `tieline/log`, and reading it on
 *    from where it stopped when the server says it grew (`tieline/log/changed`).
 */
import {
  CI_ACT,
  CI_TRIGGER,
  CI_TRIGGERS,
  LOG,
  type CIActionName,
  type CIActResult,
  type CITrigger,
  type CITriggerInput,
  type CITriggerResult,
  type CITriggersResult,
  type LogResult,
  type TreeItem,
} from './protocol';

/** Anything that sends a request (the LanguageClient, or a test's fake). */
export interface Requester {
  sendRequest<R>(method: string, params: unknown): Promise<R>;
}

/** The actions in the order the context menu lists them, with their command ids and titles. */
export const CI_ACTIONS: readonly { action: CIActionName; command: string; title: string }[] = [
  { action: 'rerun', command: 'tieline.ci.rerun', title: 'Re-run' },
  { action: 'rerun_failed', command: 'tieline.ci.rerunFailed', title: 'Re-run Failed Jobs' },
  { action: 'retry', command: 'tieline.ci.retry', title: 'Retry' },
  { action: 'play', command: 'tieline.ci.play', title: 'Run' },
  { action: 'cancel', command: 'tieline.ci.cancel', title: 'Cancel' },
];

/** The `when` clause of an action's context-menu entry (package.json must say exactly this). */
export function actionWhen(action: CIActionName): string {
  return `view =~ /^tieline\\.(work|ci|integrations|panel\\d+)$/ && viewItem =~ /(^|\\s)can\\.${action}(\\s|$)/`;
}

/** The actions a node's `contextValue` allows (`can.<action>` words). */
export function allowedActions(contextValue: string | null | undefined): CIActionName[] {
  const words = new Set((contextValue ?? '').split(/\s+/));
  return CI_ACTIONS.filter((a) => words.has(`can.${a.action}`)).map((a) => a.action);
}

/** What `tieline/ci/act` is given for a node: its `ciItem`, else the node's id (the server reads both). */
export function actTarget(item: Pick<TreeItem, 'id' | 'ciItem'>): string {
  return item.ciItem || item.id;
}

export async function act(client: Requester, item: Pick<TreeItem, 'id' | 'ciItem'>, action: CIActionName): Promise<CIActResult> {
  return client.sendRequest<CIActResult>(CI_ACT, { item: actTarget(item), action });
}

// -- Run pipeline… --------------------------------------------------------------------------

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface InputBoxSpec {
  title: string;
  prompt: string;
  value?: string;
  password: boolean;
  /** An error text for a value that is not acceptable, undefined when it is. */
  validate(value: string): string | undefined;
}

export interface CiUi {
  pick<T>(items: PickItem<T>[], placeHolder: string, title: string): Promise<T | undefined>;
  input(spec: InputBoxSpec): Promise<string | undefined>;
}

export function triggerChoices(triggers: readonly CITrigger[]): PickItem<CITrigger>[] {
  return triggers.map((t) => ({
    label: t.name,
    description: [t.serviceName, t.scope, t.branch && `on ${t.branch}`].filter(Boolean).join(' · '),
    detail: t.description || undefined,
    value: t,
  }));
}

const NONE = '\u0000none';

/** The value a quick pick offers for an input of a fixed set (choice, boolean, environment). */
function optionsOf(spec: CITriggerInput): string[] | undefined {
  if (spec.type === 'boolean') return ['true', 'false'];
  if ((spec.type === 'choice' || spec.type === 'environment') && spec.options?.length) return spec.options;
  return undefined;
}

/** Is `value` acceptable for `spec`? An error text, or undefined. */
export function validateInput(spec: CITriggerInput, value: string): string | undefined {
  if (value === '') return spec.required ? `${spec.name} is required` : undefined;
  if (spec.type === 'number' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value.trim())) return `${spec.name} must be a number`;
  return undefined;
}

/**
 * Ask each input of `trigger`: a quick pick for a fixed set (booleans, choices, environments
 * the service lists; the default first), an input box otherwise (masked for passwords),
 * prefilled with the default, refusing an empty required value. Inputs left empty and not
 * required are not sent. Undefined when the user cancels one.
 */
export async function askInputs(trigger: CITrigger, ui: CiUi): Promise<Record<string, string> | undefined> {
  const out: Record<string, string> = {};
  const inputs = trigger.inputs ?? [];
  for (const [i, spec] of inputs.entries()) {
    const title = `${trigger.name}: ${spec.name} (${i + 1}/${inputs.length})`;
    const options = optionsOf(spec);
    let value: string | undefined;
    if (options) {
      const ordered = spec.default != null && options.includes(spec.default) ? [spec.default, ...options.filter((o) => o !== spec.default)] : options;
      const items: PickItem<string>[] = ordered.map((o) => ({ label: o, description: o === spec.default ? 'default' : undefined, value: o }));
      if (!spec.required && spec.default == null) items.push({ label: '(leave empty)', value: NONE });
      value = await ui.pick(items, spec.description || spec.name, title);
      if (value === undefined) return undefined;
      if (value === NONE) continue;
    } else {
      value = await ui.input({
        title,
        prompt: (spec.description || spec.name) + (spec.required ? ' (required)' : ''),
        value: spec.default ?? undefined,
        password: spec.type === 'password',
        validate: (v) => validateInput(spec, v),
      });
      if (value === undefined) return undefined;
      if (validateInput(spec, value)) return undefined;
      if (value === '') continue;
    }
    out[spec.name] = value;
  }
  return out;
}

export type RunOutcome = { state: 'none' } | { state: 'cancelled' } | { state: 'started'; message: string; result: CITriggerResult };

/** "Run pipeline…": the triggers, the one picked, its inputs, then `tieline/ci/trigger`. */
export async function runPipeline(client: Requester, ui: CiUi, folder?: string): Promise<RunOutcome> {
  const { triggers } = await client.sendRequest<CITriggersResult>(CI_TRIGGERS, folder ? { folder } : {});
  if (!triggers?.length) return { state: 'none' };
  const trigger = triggers.length === 1 ? triggers[0] : await ui.pick(triggerChoices(triggers), 'Start which pipeline?', 'Run Pipeline');
  if (!trigger) return { state: 'cancelled' };
  const inputs = await askInputs(trigger, ui);
  if (!inputs) return { state: 'cancelled' };
  const result = await client.sendRequest<CITriggerResult>(CI_TRIGGER, {
    trigger: trigger.id,
    ...(trigger.branch ? { branch: trigger.branch } : {}),
    inputs,
  });
  return { state: 'started', message: result.message, result };
}

// -- logs -----------------------------------------------------------------------------------

export const LOG_SCHEME = 'tieline-log';
/** Characters a log document holds at most; past it the document says where it stopped. */
export const LOG_CAP = 32 * 1024 * 1024;

interface LogState {
  text: string;
  offset: number;
  version: number | undefined;
  complete: boolean;
  error?: string | null;
  capped: boolean;
  /** More to read: the server said the log changed, or a read stopped after its batch. */
  stale: boolean;
}

/**
 * The text of `tieline-log:` documents, read through `tieline/log`. A read takes pages until
 * the log is complete, or a page brings nothing new (the job runs and has written no more;
 * the server's `tieline/log/changed` says when it does), or `batch` pages came (the document
 * shows them at once, and `onMore` asks for the next read), at most `cap` characters in all.
 * A re-read goes on from the offset the last one stopped at, or from 0 when the log's
 * `version` changed.
 */
export class LogReader {
  private readonly logs = new Map<string, LogState>();
  private readonly reading = new Map<string, Promise<string>>();

  constructor(
    private readonly client: () => Requester | undefined,
    private readonly options: { cap?: number; batch?: number; onMore?: (uri: string) => void } = {},
  ) {}

  /** The document's text now, reading on first when there is more to read. */
  read(uri: string): Promise<string> {
    const busy = this.reading.get(uri);
    if (busy) return busy.then(() => this.read(uri));
    const known = this.logs.get(uri);
    if (known && !known.stale) return Promise.resolve(render(known));
    const p = this.readOn(uri).finally(() => this.reading.delete(uri));
    this.reading.set(uri, p);
    return p;
  }

  /**
   * The server's `tieline/log/changed` (or the user opened the log again): true when the
   * document is one being shown, to be re-read.
   */
  changed(uri: string, version?: number): boolean {
    const known = this.logs.get(uri);
    if (!known || known.capped) return false;
    if (version !== undefined && known.version !== undefined && known.version !== version) this.logs.set(uri, { ...fresh(), stale: true });
    else if (!known.complete || known.error) known.stale = true;
    else return false;
    return true;
  }

  /** The document was closed. */
  forget(uri: string) {
    this.logs.delete(uri);
  }

  private async readOn(uri: string): Promise<string> {
    const client = this.client();
    if (!client) return this.logs.get(uri)?.text ?? 'The Tieline server is not running.';
    const cap = this.options.cap ?? LOG_CAP;
    const batch = this.options.batch ?? 4;
    let s = this.logs.get(uri) ?? fresh();
    s.stale = false;
    this.logs.set(uri, s);
    let restarts = 0;
    for (let pages = 1; ; pages++) {
      const r = await client.sendRequest<LogResult>(LOG, { uri, offset: s.offset });
      if (s.version !== undefined && r.version !== undefined && r.version !== s.version) {
        // Laid out anew (the failing step found, a re-run): start over from 0.
        const fromStart = s.offset === 0;
        s = { ...fresh(), version: r.version };
        this.logs.set(uri, s);
        if (!fromStart) {
          if (restarts++ < 3) continue;
          break;
        }
      }
      if (s.version === undefined) s.version = r.version;
      const room = cap - s.text.length;
      s.text += r.text.length > room ? r.text.slice(0, room) : r.text;
      const progressed = r.nextOffset > s.offset;
      s.offset = r.nextOffset;
      s.complete = r.complete;
      s.error = r.error;
      if (r.complete || r.error || !progressed) break;
      if (s.text.length >= cap) {
        s.capped = true;
        break;
      }
      if (pages >= batch) {
        s.stale = true;
        const more = this.options.onMore;
        if (more) setTimeout(() => more(uri), 0);
        break;
      }
    }
    return render(s);
  }
}

function fresh(): LogState {
  return { text: '', offset: 0, version: undefined, complete: false, capped: false, stale: false };
}

function render(s: LogState): string {
  let text = s.text;
  const tail: string[] = [];
  if (s.capped) tail.push(`… the log goes on past ${Math.round(s.text.length / (1024 * 1024))} MB; open the job in the browser for the rest.`);
  if (s.error) tail.push(`… the log could not be read to its end: ${s.error}`);
  if (tail.length) text += (text === '' || text.endsWith('\n') ? '' : '\n') + tail.join('\n') + '\n';
  return text;
}
