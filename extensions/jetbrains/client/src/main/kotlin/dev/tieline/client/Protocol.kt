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
}

/** `HealthState` in the schema. */
object HealthState {
    const val HEALTHY = "healthy"
    const val DEGRADED = "degraded"
    const val FAILING = "failing"
    const val DISABLED = "disabled"
    val ALL = listOf(HEALTHY, DEGRADED, FAILING, DISABLED)
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

data class AuthParams(
    val connector: String = "",
    /** Enterprise host; absent for the default. */
    val host: String? = null,
)

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

data class SignOutResult(val signedOut: Boolean = false)

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
    /** `device`, `pkce`, `token` or `api_key`. */
    val method: String? = null,
    val scopes: List<String> = emptyList(),
    val expiresAt: String? = null,
)

data class AuthStatusResult(val accounts: List<AccountStatus> = emptyList())
