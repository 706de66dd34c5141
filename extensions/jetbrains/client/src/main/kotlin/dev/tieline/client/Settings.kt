/*
 * Editor settings → the `tieline` section of `workspace/configuration`.
 *
 * The server layers configuration (defaults < user file < workspace .tieline.toml < TIELINE_*
 * environment < editor settings) key by key, so an unset editor setting must be *absent*, not
 * sent as a default: every field here is nullable and null means "leave it to the layers
 * below". Keys are camelCase, the server maps them to its snake_case keys (server/hub/config.py).
 * Credentials never belong here: sign in instead.
 *
 * Connector settings (`tieline.connectors.<id>.<key>`) have no shape here: each connector's
 * keys come from its manifest on the server (`python -m server.hub.settings_docs --keys` lists
 * them), so they are a map of typed values per connector id and any installed connector's keys
 * go through unchanged. The server names a key or value it refuses in a warning.
 */
package dev.tieline.client

import com.google.gson.JsonElement
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import java.math.BigDecimal

/**
 * [pattern] is a regular expression; [url] a template where `{0}` is the whole match, `{1}`...
 * its groups and `{name}` a named group; [name] is shown in hovers (server/hub/autolinks.py).
 */
data class AutolinkRule(val pattern: String, val url: String, val name: String? = null)

/** One connector setting's value, as JSON types it. */
sealed interface SettingValue {
    /** The JSON-ready value: String, Number, Boolean, List or Map. */
    fun toJson(): Any

    data class Text(val value: String) : SettingValue {
        override fun toJson() = value
    }

    /** Integers stay integers ([Long]); anything else is a [Double]. */
    data class Num(val value: Number) : SettingValue {
        override fun toJson() = value
    }

    data class Bool(val value: Boolean) : SettingValue {
        override fun toJson() = value
    }

    data class Items(val items: List<SettingValue>) : SettingValue {
        override fun toJson() = items.map { it.toJson() }
    }

    data class Table(val entries: Map<String, SettingValue>) : SettingValue {
        override fun toJson() = entries.mapValues { it.value.toJson() }
    }

    companion object {
        /**
         * From a JSON-ready value (what Gson or Jackson read, or Kotlin literals); null for
         * null. Whole numbers become [Long], others [Double].
         */
        fun of(value: Any?): SettingValue? = when (value) {
            null -> null
            is SettingValue -> value
            is String -> Text(value)
            is Boolean -> Bool(value)
            is Number -> Num(number(BigDecimal(value.toString())))
            is Map<*, *> -> Table(
                value.entries.mapNotNull { (k, v) -> of(v)?.let { k.toString() to it } }.toMap(),
            )
            is Iterable<*> -> Items(value.mapNotNull { of(it) })
            is Array<*> -> Items(value.mapNotNull { of(it) })
            else -> throw IllegalArgumentException("not a JSON value: ${value.javaClass.name}")
        }

        /**
         * What a person typed in a settings table: JSON when it is JSON (`true`, `30`,
         * `["a.example"]`, `{"host": …}`, `"quoted"`), else the text as it is (a URL, a name).
         * Blank is null (the setting is not made).
         */
        fun parse(text: String): SettingValue? {
            val trimmed = text.trim()
            if (trimmed.isEmpty()) return null
            val json = runCatching { JsonParser.parseString(trimmed) }.getOrNull()
            val looksLikeJson = trimmed.first() in "[{\"" || trimmed == "true" || trimmed == "false" ||
                trimmed.toBigDecimalOrNull() != null
            return if (json != null && !json.isJsonNull && looksLikeJson) fromJson(json) else Text(trimmed)
        }

        private fun fromJson(e: JsonElement): SettingValue? = when {
            e.isJsonNull -> null
            e.isJsonArray -> Items(e.asJsonArray.mapNotNull { fromJson(it) })
            e.isJsonObject -> Table(e.asJsonObject.entrySet().mapNotNull { (k, v) -> fromJson(v)?.let { k to it } }.toMap())
            else -> primitive(e.asJsonPrimitive)
        }

        private fun primitive(p: JsonPrimitive): SettingValue = when {
            p.isBoolean -> Bool(p.asBoolean)
            p.isNumber -> Num(number(p.asBigDecimal))
            else -> Text(p.asString)
        }

        private fun number(d: BigDecimal): Number =
            if (d.stripTrailingZeros().scale() <= 0 && d.abs() < BigDecimal(Long.MAX_VALUE)) d.toLong() else d.toDouble()
    }
}

/** One row of a connector settings table: `tieline.connectors.<connector>.<key> = value`. */
data class ConnectorSetting(val connector: String, val key: String, val value: String) {
    companion object {
        /**
         * The rows as [TielineSettings.connectors]: blank rows are skipped, values go through
         * [SettingValue.parse], and a later row for the same key wins.
         */
        fun toMap(rows: Iterable<ConnectorSetting>): Map<String, Map<String, SettingValue>> =
            tableOf(rows.map { Triple(it.connector, it.key, it.value) })
    }
}

/**
 * One row of the "more settings" table: `tieline.<section>.<key> = value`, for the server's
 * settings that have no field of their own on the page (`diagrams.krokiUrl`, `docs.sets`):
 * a setting the server adds needs no change here.
 */
data class SectionSetting(val section: String, val key: String, val value: String) {
    companion object {
        /** The rows as [TielineSettings.sections], read as [ConnectorSetting.toMap] reads its rows. */
        fun toMap(rows: Iterable<SectionSetting>): Map<String, Map<String, SettingValue>> =
            tableOf(rows.map { Triple(it.section, it.key, it.value) })
    }
}

private fun tableOf(rows: Iterable<Triple<String, String, String>>): Map<String, Map<String, SettingValue>> {
    val out = linkedMapOf<String, LinkedHashMap<String, SettingValue>>()
    for ((group, name, text) in rows) {
        val section = group.trim()
        val key = name.trim()
        if (section.isEmpty() || key.isEmpty()) continue
        val value = SettingValue.parse(text) ?: continue
        out.getOrPut(section) { linkedMapOf() }[key] = value
    }
    return out
}

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

/** Pipelines of my branches, whichever CI runs them (`notify`: failures, all or off). */
data class CiSettings(
    val notify: String? = null,
    val diagnostics: Boolean? = null,
    val logPageKb: Long? = null,
    val logFollowInterval: Double? = null,
) {
    /** The server's choices, defaults and bounds (server/hub/config.py's CISettings; SettingsTest checks them). */
    companion object {
        val NOTIFY_CHOICES = listOf("failures", "all", "off")
        const val DEFAULT_NOTIFY = "failures"
        const val DEFAULT_DIAGNOSTICS = true
        const val DEFAULT_LOG_PAGE_KB = 512
        val LOG_PAGE_KB_RANGE = 16..4096
        const val DEFAULT_LOG_FOLLOW_INTERVAL = 2.0
        val LOG_FOLLOW_INTERVAL_RANGE = 0.2..60.0

        /**
         * From a settings page, where a choice left at the server's default, `0` and a blank
         * interval mean "not set here" (so a workspace's .tieline.toml still applies). An
         * interval that is no number is not set either; one out of range is sent as it is, and
         * the server names it in a warning.
         */
        fun fromForm(notify: String, diagnostics: Boolean, logPageKb: Int, logFollowInterval: String): CiSettings =
            CiSettings(
                notify = notify.trim().takeIf { it.isNotEmpty() && it != DEFAULT_NOTIFY },
                diagnostics = diagnostics.takeIf { it != DEFAULT_DIAGNOSTICS },
                logPageKb = logPageKb.takeIf { it != 0 }?.toLong(),
                logFollowInterval = logFollowInterval.trim().toDoubleOrNull(),
            )
    }
}

/** The settings a JetBrains user can change, in the shape the server reads. */
data class TielineSettings(
    val logLevel: String? = null,
    /** Per connector id, its camelCase keys and their values (`jira` → `site` → URL). */
    val connectors: Map<String, Map<String, SettingValue>> = emptyMap(),
    val autolinks: List<AutolinkRule>? = null,
    val notifications: NotificationSettings = NotificationSettings(),
    val sync: SyncSettings = SyncSettings(),
    val network: NetworkSettings = NetworkSettings(),
    val ci: CiSettings = CiSettings(),
    val branchTemplate: String? = null,
    /**
     * Every other section, by name, with its camelCase keys ([SectionSetting]). A key a typed
     * field above also sets is the field's.
     */
    val sections: Map<String, Map<String, SettingValue>> = emptyMap(),
) {
    /**
     * The JSON-ready value of the `tieline` section: nested maps with camelCase keys, unset
     * values and empty sections left out.
     */
    fun toConfiguration(): Map<String, Any> = buildMap {
        putIfSet("logLevel", logLevel)
        section(
            "connectors",
            connectors.mapValues { (_, keys) -> keys.mapValues { it.value.toJson() } }.filterValues { it.isNotEmpty() },
        )
        putIfSet("autolinks", autolinks?.map { it.toMap() })
        section("notifications", notifications.toMap())
        section("sync", sync.toMap())
        section("network", network.toMap())
        section("ci", ci.toMap())
        putIfSet("branchTemplate", branchTemplate)
        for ((name, keys) in sections) {
            if (name == "connectors") continue // connectors have their own table
            @Suppress("UNCHECKED_CAST")
            val typed = get(name) as? Map<String, Any> ?: emptyMap()
            if (name in this && get(name) !is Map<*, *>) continue // a plain setting, not a section
            section(name, keys.mapValues { it.value.toJson() } + typed)
        }
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

private fun CiSettings.toMap(): Map<String, Any> = buildMap {
    putIfSet("notify", notify)
    putIfSet("diagnostics", diagnostics)
    putIfSet("logPageKb", logPageKb)
    putIfSet("logFollowInterval", logFollowInterval)
}
