/*
 * Editor settings → the `tieline` section of `workspace/configuration`.
 *
 * The server layers configuration (defaults < user file < workspace .tieline.toml < TIELINE_*
 * environment < editor settings) key by key, so an unset editor setting must be *absent*, not
 * sent as a default: every field here is nullable and null means "leave it to the layers
 * below". Keys are camelCase, the server maps them to its snake_case keys (server/hub/config.py).
 * Credentials never belong here: sign in instead.
 */
package dev.tieline.client

data class AccountRule(val host: String, val owner: String? = null, val account: String)

/**
 * [pattern] is a regular expression; [url] a template where `{0}` is the whole match, `{1}`...
 * its groups and `{name}` a named group; [name] is shown in hovers (server/hub/autolinks.py).
 */
data class AutolinkRule(val pattern: String, val url: String, val name: String? = null)

data class GitHubSettings(
    val enabled: Boolean? = null,
    val apiUrl: String? = null,
    val webUrl: String? = null,
    val clientId: String? = null,
    val enterpriseHosts: List<String>? = null,
    val account: String? = null,
    val accounts: List<AccountRule>? = null,
)

data class NotificationSettings(
    val reviewRequested: Boolean? = null,
    val checkFailed: Boolean? = null,
    val issueAssigned: Boolean? = null,
    val pullRequestMerged: Boolean? = null,
    val issueClosed: Boolean? = null,
)

data class SyncSettings(
    val pollInterval: Double? = null,
    val jitter: Double? = null,
    val refreshDebounce: Double? = null,
)

data class NetworkSettings(
    val caBundle: String? = null,
    val timeout: Double? = null,
)

/** The settings a JetBrains user can change, in the shape the server reads. */
data class TielineSettings(
    val logLevel: String? = null,
    val github: GitHubSettings = GitHubSettings(),
    val autolinks: List<AutolinkRule>? = null,
    val notifications: NotificationSettings = NotificationSettings(),
    val sync: SyncSettings = SyncSettings(),
    val network: NetworkSettings = NetworkSettings(),
    val branchTemplate: String? = null,
) {
    /**
     * The JSON-ready value of the `tieline` section: nested maps with camelCase keys, unset
     * values and empty sections left out.
     */
    fun toConfiguration(): Map<String, Any> = buildMap {
        putIfSet("logLevel", logLevel)
        section("connectors", buildMap { section("github", github.toMap()) })
        putIfSet("autolinks", autolinks?.map { it.toMap() })
        section("notifications", notifications.toMap())
        section("sync", sync.toMap())
        section("network", network.toMap())
        putIfSet("branchTemplate", branchTemplate)
    }

    /** The value for one `workspace/configuration` item: `tieline`, `tieline.sync`, ... */
    fun section(name: String?): Any? {
        if (name.isNullOrEmpty()) return mapOf(SECTION to toConfiguration())
        val parts = name.split('.')
        if (parts.first() != SECTION) return null
        var node: Any? = toConfiguration()
        for (part in parts.drop(1)) node = (node as? Map<*, *>)?.get(part)
        return node
    }

    companion object {
        const val SECTION = "tieline"
    }
}

private fun MutableMap<String, Any>.putIfSet(key: String, value: Any?) {
    if (value != null) put(key, value)
}

private fun MutableMap<String, Any>.section(key: String, value: Map<String, Any>) {
    if (value.isNotEmpty()) put(key, value)
}

private fun GitHubSettings.toMap(): Map<String, Any> = buildMap {
    putIfSet("enabled", enabled)
    putIfSet("apiUrl", apiUrl)
    putIfSet("webUrl", webUrl)
    putIfSet("clientId", clientId)
    putIfSet("enterpriseHosts", enterpriseHosts)
    putIfSet("account", account)
    putIfSet("accounts", accounts?.map { rule ->
        buildMap<String, Any> {
            put("host", rule.host)
            putIfSet("owner", rule.owner)
            put("account", rule.account)
        }
    })
}

private fun AutolinkRule.toMap(): Map<String, Any> = buildMap {
    put("pattern", pattern)
    put("url", url)
    putIfSet("name", name)
}

private fun NotificationSettings.toMap(): Map<String, Any> = buildMap {
    putIfSet("reviewRequested", reviewRequested)
    putIfSet("checkFailed", checkFailed)
    putIfSet("issueAssigned", issueAssigned)
    putIfSet("pullRequestMerged", pullRequestMerged)
    putIfSet("issueClosed", issueClosed)
}

private fun SyncSettings.toMap(): Map<String, Any> = buildMap {
    putIfSet("pollInterval", pollInterval)
    putIfSet("jitter", jitter)
    putIfSet("refreshDebounce", refreshDebounce)
}

private fun NetworkSettings.toMap(): Map<String, Any> = buildMap {
    putIfSet("caBundle", caBundle)
    putIfSet("timeout", timeout)
}
