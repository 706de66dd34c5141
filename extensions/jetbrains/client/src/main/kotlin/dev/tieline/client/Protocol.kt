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
    const val AUTH_SIGN_IN = "tieline/auth/signIn"
    const val AUTH_SIGN_OUT = "tieline/auth/signOut"
    const val AUTH_STATUS = "tieline/auth/status"
    const val CONNECTORS = "tieline/connectors"
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
