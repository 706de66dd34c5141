/*
 * The Tieline protocol messages (`tieline/...`) as typed Kotlin. Mirrors server/lsp/tieline_protocol.py; the shared
 * schema (server/lsp/tieline-protocol.schema.json) is the contract and ProtocolSchemaTest checks
 * that every class below has exactly the fields its schema definition has.
 *
 * Every constructor parameter has a default so Kotlin emits a no-argument constructor: Gson
 * (LSP4J's JSON layer) then starts from the defaults and overwrites what the server sent, and a
 * field the server leaves out is never a null hiding behind a non-null type. Enumerations are
 * strings with named constants, because a value a newer server adds must not break an older
 * shell (Gson turns an unknown enum constant into null).
 */
package dev.tieline.client

/** Method names, as in the schema's `methods` map. */
object Methods {
    const val PANELS = "tieline/panels"
    const val PANEL_ITEMS = "tieline/panel/items"
    const val PANEL_CHANGED = "tieline/panel/changed"
    const val STATUS = "tieline/status"
    const val STATUS_CHANGED = "tieline/status/changed"
    const val AUTH_SIGN_IN = "tieline/auth/signIn"
    const val AUTH_SIGN_OUT = "tieline/auth/signOut"
    const val AUTH_STATUS = "tieline/auth/status"
    const val CONNECTORS = "tieline/connectors"
    const val CI_ACT = "tieline/ci/act"
    const val CI_TRIGGERS = "tieline/ci/triggers"
    const val CI_TRIGGER = "tieline/ci/trigger"
    const val LOG = "tieline/log"
    const val LOG_CHANGED = "tieline/log/changed"
}

/** `HealthState` in the schema. */
object HealthState {
    const val HEALTHY = "healthy"
    const val DEGRADED = "degraded"
    const val FAILING = "failing"
    const val DISABLED = "disabled"
    val ALL = listOf(HEALTHY, DEGRADED, FAILING, DISABLED)
}

/** `AuthMethod` in the schema: how a connector lets a person sign in. */
object AuthMethod {
    /** OAuth in the browser; the server's loopback receiver finishes it. */
    const val PKCE = "pkce"

    /** OAuth device code: the person types a code on the service's page. */
    const val DEVICE = "device"

    /** A pasted personal token. */
    const val TOKEN = "token"

    /** A pasted API key. */
    const val API_KEY = "api_key"

    /** A pasted API token plus a user name (for instance an email). */
    const val BASIC = "basic"
    val ALL = listOf(PKCE, DEVICE, TOKEN, API_KEY, BASIC)

    /** The methods whose secret the person pastes (and the shell reads without echo). */
    val PASTED = setOf(TOKEN, API_KEY, BASIC)
}

// --- panels ---------------------------------------------------------------------------------

/** A tree view the shell shows in its tool window. [icon] is a codicon name. */
data class Panel(
    val id: String = "",
    val title: String = "",
    val icon: String = "",
    val contextValue: String? = null,
    /** Markdown shown when the panel has no items (e.g. sign in). */
    val welcome: String? = null,
)

data class PanelsResult(val panels: List<Panel> = emptyList())

/** An editor command; [command] is usually a `workspace/executeCommand` id. */
data class Command(
    val command: String = "",
    val title: String = "",
    val arguments: List<Any?>? = null,
)

/** A button on a tree item: `inline` shows on hover, `context` in its context menu. */
data class ItemAction(
    val id: String = "",
    val title: String = "",
    val command: Command = Command(),
    val icon: String? = null,
    val placement: String = PLACEMENT_CONTEXT,
) {
    companion object {
        const val PLACEMENT_INLINE = "inline"
        const val PLACEMENT_CONTEXT = "context"
    }
}

data class TreeItem(
    val id: String = "",
    val label: String = "",
    val description: String? = null,
    /** Markdown, already sanitized by the server. */
    val tooltip: String? = null,
    val icon: String? = null,
    val url: String? = null,
    /** Run when the item is opened. */
    val command: Command? = null,
    val hasChildren: Boolean = false,
    val contextValue: String? = null,
    val actions: List<ItemAction> = emptyList(),
    /** The connector id the item comes from (e.g. `gitlab`). */
    val service: String? = null,
    /** How the item is named: `#7`, `PROJ-7`. */
    val key: String? = null,
    /** A CI pipeline's or job's id, for `tieline/ci/act`. */
    val ciItem: String? = null,
    /** A CI job's log: a `tieline-log:` URI for `tieline/log`. */
    val logUri: String? = null,
)

data class PanelItemsParams(
    val panelId: String = "",
    /** Absent for the top level. */
    val parentId: String? = null,
)

data class PanelItemsResult(val items: List<TreeItem> = emptyList())

/** Server → client: refetch the panel (or only [itemId]'s children). */
data class PanelChangedParams(
    val panelId: String = "",
    val itemId: String? = null,
)

// --- status ---------------------------------------------------------------------------------

/** Health of one connector account. Times are ISO 8601 strings as sent. */
data class ConnectorStatus(
    val connector: String = "",
    val host: String? = null,
    val account: String? = null,
    val state: String = HealthState.DISABLED,
    val lastSuccess: String? = null,
    val lastError: String? = null,
    val lastErrorAt: String? = null,
    val errorRate: Double? = null,
    val latencyMs: Double? = null,
    val rateLimitRemaining: Int? = null,
    val rateLimitLimit: Int? = null,
    val rateLimitReset: String? = null,
    val requests: Int = 0,
    val cacheHitRate: Double? = null,
)

data class StatusResult(
    val overall: String = HealthState.DISABLED,
    val connectors: List<ConnectorStatus> = emptyList(),
    /** Absent when no team hub is configured. */
    val teamHub: TeamHubStatus? = null,
    /** Absent when no calendar is connected or nothing is ahead. */
    val nextMeeting: NextMeeting? = null,
    /** Absent when not focusing. */
    val focus: FocusStatus? = null,
    /** Absent when no folder is linked to a drive. */
    val docsync: DocSyncStatus? = null,
)

/**
 * Folder sync while any folder is linked (`tieline/status`, protocol 1.5): [state] is
 * `syncing` while any link's round runs, else `error` when any link's last round stopped, else
 * `idle`; [conflicts] wait for the person in every link.
 */
data class DocSyncStatus(
    val state: String = IDLE,
    /** How many folders are linked. */
    val linked: Int = 0,
    val conflicts: Int = 0,
    /** When a round of any link last completed (ISO 8601). */
    val lastSync: String? = null,
    /** The first stopped link's error, secrets redacted. */
    val lastError: String? = null,
    val links: List<DocSyncLink> = emptyList(),
) {
    companion object {
        const val IDLE = "idle"
        const val SYNCING = "syncing"
        const val ERROR = "error"
        val ALL = listOf(IDLE, SYNCING, ERROR)
    }
}

/**
 * One workspace folder linked to a drive folder. [state] is one of [DocSyncStatus]'s, or
 * [OFFLINE]: it does not run for want of a signed-in account ([lastError] says which).
 */
data class DocSyncLink(
    /** Workspace-relative ("docs"). */
    val folder: String = "",
    /** The drive's connector id ("microsoft", "google"). */
    val service: String = "",
    val remote: String = "",
    val state: String = DocSyncStatus.IDLE,
    val lastSync: String? = null,
    val conflicts: Int = 0,
    /** Secrets redacted. */
    val lastError: String? = null,
) {
    companion object {
        const val OFFLINE = "offline"
        val ALL = DocSyncStatus.ALL + OFFLINE
    }
}

/**
 * The link to the team hub while one is configured (`tieline/status`): [state] is one of
 * [ALL] — [CONNECTED]: changes are pushed and polls are a safety net; [FALLBACK]: the hub is
 * unreachable, so services are polled as usual; [AUTH_REQUIRED]: the hub refused its token
 * ([lastError] says why) and nothing retries until `tieline teamhub token` stores another.
 * Times are ISO 8601 strings as sent; [url] is the hub's stream without its query.
 */
data class TeamHubStatus(
    val state: String = CONNECTING,
    val url: String? = null,
    /** Where a reconnect resumes. */
    val lastEventId: String? = null,
    /** From the last event's time at the hub to its arrival here. */
    val lagSeconds: Double? = null,
    val lastEventAt: String? = null,
    /** When the state began. */
    val since: String? = null,
    /** Secrets redacted. */
    val lastError: String? = null,
) {
    companion object {
        const val CONNECTING = "connecting"
        const val CONNECTED = "connected"
        const val FALLBACK = "fallback"
        const val AUTH_REQUIRED = "auth_required"
        val ALL = listOf(CONNECTING, CONNECTED, FALLBACK, AUTH_REQUIRED)
    }
}

/** `tieline/status/changed`: [part] (`docsync`, `focus`, `team_hub`) of the status changed; ask again. */
data class StatusChangedParams(val part: String = "")

/**
 * Focus mode while it is on (`tieline/status`, protocol 1.4): notifications held and a status
 * set in every chat service that can; [untilText] and [why] are what a status bar says.
 */
data class FocusStatus(
    val until: String = "",
    /** "until 15:30". */
    val untilText: String = "",
    /** `calendar` (a focus block of the calendar) or `manual` (started in the editor). */
    val reason: String = "",
    /** "Deep work (calendar)", "started in the editor". */
    val why: String = "",
    /** The calendar event's id. */
    val eventKey: String? = null,
    /** The status line set in each service. */
    val statusText: String = "",
    val accounts: List<FocusAccount> = emptyList(),
)

/** One chat account in focus mode: `focusing`, `starting`, `restoring` or `waiting`. */
data class FocusAccount(
    val connector: String = "",
    val account: String = "",
    val state: String = "",
    /** Secrets redacted. */
    val lastError: String? = null,
    /** When it is tried again. */
    val retryAt: String? = null,
)

/** The meeting the person goes to next, from every connected calendar (`tieline/status`). */
data class NextMeeting(
    /** The event's id; `tieline.joinMeeting` takes it. */
    val key: String = "",
    val title: String = "",
    val start: String = "",
    val end: String = "",
    /** How long until it starts: "in 5 min", "now", "at 14:00". */
    val until: String = "",
    val service: String = "",
    val joinUrl: String? = null,
    val provider: String? = null,
    val providerName: String? = null,
    val location: String? = null,
)

// --- auth -----------------------------------------------------------------------------------

/**
 * Start signing in. [method] defaults to the connector's first; [token] (and for `basic` the
 * [username]) carry a pasted secret, which the shell reads without echo. [toString] never
 * shows the token.
 */
data class SignInParams(
    val connector: String = "",
    /** Enterprise host; absent for the default. */
    val host: String? = null,
    /** One of [AuthMethod]. */
    val method: String? = null,
    /** A pasted token or API key (secret). */
    val token: String? = null,
    /** For `basic`: e.g. the email. */
    val username: String? = null,
) {
    override fun toString() =
        "SignInParams(connector=$connector, host=$host, method=$method, " +
            "token=${if (token == null) "null" else "<redacted>"}, username=$username)"
}

data class SignOutParams(
    val connector: String = "",
    val host: String? = null,
    val account: String? = null,
)

/** OAuth device authorization (RFC 8628): show [userCode], open [verificationUri]. */
data class DeviceCode(
    val userCode: String = "",
    val verificationUri: String = "",
    val verificationUriComplete: String? = null,
    val expiresIn: Int = 0,
    val interval: Int = 5,
)

data class SignInResult(
    val state: String = STATE_FAILED,
    val deviceCode: DeviceCode? = null,
    /** For the PKCE flow: open this URL in the user's browser. */
    val browserUrl: String? = null,
    val account: String? = null,
    val message: String? = null,
) {
    companion object {
        const val STATE_SIGNED_IN = "signedIn"
        const val STATE_PENDING = "pending"
        const val STATE_FAILED = "failed"
        const val STATE_CANCELLED = "cancelled"
    }
}

data class SignOutResult(
    val signedOut: Boolean = false,
    /** The token was ended at the service too. */
    val revoked: Boolean = false,
)

data class AuthStatusParams(
    /** Absent: every connector. */
    val connector: String? = null,
    val host: String? = null,
)

data class AccountStatus(
    val connector: String = "",
    val host: String? = null,
    val account: String? = null,
    val signedIn: Boolean = false,
    /** One of [AuthMethod]. */
    val method: String? = null,
    val scopes: List<String> = emptyList(),
    val expiresAt: String? = null,
)

data class AuthStatusResult(val accounts: List<AccountStatus> = emptyList())

// --- connectors -----------------------------------------------------------------------------

/** A way to sign in that the connector offers, as a shell shows it. */
data class AuthOption(
    /** One of [AuthMethod]. */
    val method: String = "",
    val label: String = "",
    /** For pasted secrets: what to ask for ("Personal token"). */
    val secretLabel: String? = null,
    /** For `basic`: "email". */
    val usernameLabel: String? = null,
    /** Where to get a token, in plain words. */
    val help: String? = null,
)

data class ConnectorAccount(
    val host: String = "",
    val account: String = "",
    /** One of [HealthState]. */
    val state: String = HealthState.DISABLED,
)

/** One installed connector, for shells that must not name services themselves. */
data class ConnectorInfo(
    val id: String = "",
    val name: String = "",
    val description: String = "",
    val capabilities: List<String> = emptyList(),
    /** How it attaches: [ATTACH_REMOTE] (git remotes), [ATTACH_SITE], [ATTACH_ACCOUNT]. */
    val attach: String = ATTACH_ACCOUNT,
    /** Hosts it serves now. */
    val hosts: List<String> = emptyList(),
    val enabled: Boolean = true,
    /** False when it needs a setting first (a site's URL). */
    val ready: Boolean = true,
    val auth: List<AuthOption> = emptyList(),
    val accounts: List<ConnectorAccount> = emptyList(),
) {
    companion object {
        const val ATTACH_REMOTE = "remote"
        const val ATTACH_SITE = "site"
        const val ATTACH_ACCOUNT = "account"
    }
}

data class ConnectorsResult(val connectors: List<ConnectorInfo> = emptyList())

// --- CI -------------------------------------------------------------------------------------

/** `CIActionName` in the schema: what a pipeline or job allows now (`can.<action>` in contextValue). */
object CIAction {
    const val RERUN = "rerun"
    const val RERUN_FAILED = "rerun_failed"
    const val CANCEL = "cancel"
    const val RETRY = "retry"
    const val PLAY = "play"
    val ALL = listOf(RERUN, RERUN_FAILED, CANCEL, RETRY, PLAY)
}

/** `RunStatusName` in the schema. */
object RunStatus {
    const val QUEUED = "queued"
    const val RUNNING = "running"
    const val WAITING = "waiting"
    const val COMPLETED = "completed"
    val ALL = listOf(QUEUED, RUNNING, WAITING, COMPLETED)
}

data class CIStep(
    val name: String = "",
    val number: Int? = null,
    /** One of [RunStatus]. */
    val status: String = RunStatus.QUEUED,
    /** success, failure, pending, cancelled, skipped, ... */
    val conclusion: String = "",
)

data class CIJob(
    /** For `tieline/ci/act`. */
    val id: String = "",
    val name: String = "",
    val status: String = RunStatus.QUEUED,
    val conclusion: String = "",
    val stage: String? = null,
    val url: String? = null,
    val allowFailure: Boolean = false,
    /** Of [CIAction]. */
    val actions: List<String> = emptyList(),
    /** The `tieline-log:` URI of its log. */
    val logUri: String = "",
    val steps: List<CIStep> = emptyList(),
)

/** Times are ISO 8601 strings as sent. */
data class CIPipeline(
    val id: String = "",
    /** The connector id. */
    val service: String = "",
    val serviceName: String = "",
    val name: String = "",
    val status: String = RunStatus.QUEUED,
    val conclusion: String = "",
    val number: Int? = null,
    val attempt: Int = 1,
    val branch: String? = null,
    val sha: String? = null,
    val event: String? = null,
    val url: String? = null,
    val createdAt: String? = null,
    val finishedAt: String? = null,
    val actions: List<String> = emptyList(),
    val jobs: List<CIJob> = emptyList(),
)

data class CIActParams(
    /** A pipeline or job id (a CI panel item's `ciItem`, or its id). */
    val item: String = "",
    /** One of [CIAction]. */
    val action: String = "",
)

data class CIActResult(
    /** The pipeline after (a re-run may be a new one). */
    val pipeline: CIPipeline? = null,
    val message: String = "",
)

data class CITriggersParams(
    /** A workspace folder URI; absent: all. */
    val folder: String? = null,
)

data class CITriggerInput(
    val name: String = "",
    val description: String = "",
    /** string, boolean, choice, number, environment or password. */
    val type: String = TYPE_STRING,
    val required: Boolean = false,
    val default: String? = null,
    val options: List<String> = emptyList(),
) {
    companion object {
        const val TYPE_STRING = "string"
        const val TYPE_BOOLEAN = "boolean"
        const val TYPE_CHOICE = "choice"
        const val TYPE_NUMBER = "number"
        const val TYPE_ENVIRONMENT = "environment"
        const val TYPE_PASSWORD = "password"
        val TYPES = listOf(TYPE_STRING, TYPE_BOOLEAN, TYPE_CHOICE, TYPE_NUMBER, TYPE_ENVIRONMENT, TYPE_PASSWORD)
    }
}

data class CITrigger(
    /** For `tieline/ci/trigger`. */
    val id: String = "",
    val name: String = "",
    val description: String = "",
    val service: String = "",
    val serviceName: String = "",
    val scope: String = "",
    /** Its folder's branch: the default. */
    val branch: String? = null,
    val url: String? = null,
    val inputs: List<CITriggerInput> = emptyList(),
)

data class CITriggersResult(val triggers: List<CITrigger> = emptyList())

data class CITriggerParams(
    val trigger: String = "",
    /** Absent: its folder's branch. */
    val branch: String? = null,
    val inputs: Map<String, String> = emptyMap(),
)

data class CITriggerResult(
    val pipeline: CIPipeline? = null,
    val message: String = "",
)

data class LogParams(
    /** A `tieline-log:` URI (a CI job's `logUri`). */
    val uri: String = "",
    /** Where to read from (a [LogResult.nextOffset]). */
    val offset: Int = 0,
    /** Most characters wanted; the server caps it (a page). */
    val limit: Int? = null,
)

/**
 * A page of a job's log (ANSI stripped, the failing step first once the job failed). While
 * [complete] is false more follows; a changed [version] means: read again from 0.
 */
data class LogResult(
    val text: String = "",
    val nextOffset: Int = 0,
    val complete: Boolean = false,
    /** Characters in all, once known. */
    val total: Int? = null,
    val version: Int = 1,
    val failingStep: String? = null,
    /** Why the log could not be read to its end (text is partial). */
    val error: String? = null,
)

/** Server → client: a log read with `tieline/log` grew (or was laid out anew: [version]). */
data class LogChangedParams(
    val uri: String = "",
    val version: Int = 1,
)
