package dev.tieline.client

import com.fasterxml.jackson.databind.JsonNode

/**
 * The server's own list of settings, and a client settings object that makes every one of
 * them: the tests check the client can send each key of each installed connector and the
 * server takes it. Keys come from `python -m server.hub.settings_docs --keys`; the value types
 * from the LSP4IJ template's settings schema, which the server generates from the same
 * models (and a Python test keeps current).
 */
object ServerSettings {
    /** Every server setting in editor camelCase (`connectors.jira.site`, `sync.jitter`). */
    val keys: List<String> by lazy {
        TestEnv.runModule("server.hub.settings_docs", "--keys").lines().map { it.trim() }.filter { it.isNotEmpty() }
    }

    /** The connector ids the server has settings for, in its order. */
    val connectorIds: List<String> by lazy {
        keys.filter { it.startsWith("connectors.") }.map { it.split('.')[1] }.distinct()
    }

    fun connectorKeys(id: String): List<String> =
        keys.filter { it.startsWith("connectors.$id.") }.map { it.removePrefix("connectors.$id.") }

    val schema: JsonNode by lazy {
        TestEnv.mapper.readTree(TestEnv.repo.resolve("extensions/jetbrains/template/settings.schema.json").toFile())
    }

    private fun leafSchema(id: String, key: String): JsonNode =
        schema["properties"]["tieline"]["properties"]["connectors"]["properties"][id]?.get("properties")?.get(key)
            ?: error("settings.schema.json has no connectors.$id.$key (regenerate it: python -m server.hub.settings_docs --write)")

    /** A value for every key of every connector, valid by its schema and unlike its default where it can be. */
    fun sampleConnectors(): Map<String, Map<String, SettingValue>> =
        connectorIds.associateWith { id ->
            connectorKeys(id).associateWith { key -> sample(leafSchema(id, key), "$id-$key".lowercase()) }
        }

    /** A settings object that sets every key the server has (connectors from [sampleConnectors]). */
    fun full(): TielineSettings = TielineSettings(
        logLevel = "debug",
        connectors = sampleConnectors(),
        autolinks = listOf(AutolinkRule("ABC-(\\d+)", "https://tracker.example.com/browse/ABC-{1}", "Tracker")),
        notifications = NotificationSettings(false, false, false, true, true),
        sync = SyncSettings(pollInterval = 120.0, jitter = 0.2, refreshDebounce = 1.0),
        network = NetworkSettings(caBundle = "/etc/ssl/corp.pem", timeout = 30.0),
        ci = CiSettings(notify = "all", diagnostics = false, logPageKb = 256, logFollowInterval = 5.0),
        branchTemplate = "{login}/{number}-{slug}",
        sections = sampleSections(),
    )

    /** The settings of this client's typed fields; every other key goes through [TielineSettings.sections]. */
    private val typed = listOf("logLevel", "connectors.", "autolinks", "notifications.", "sync.", "network.", "ci.", "branchTemplate")

    /** A value for every key the typed fields do not cover (`diagrams.*`, `docs.*`, ...), by its schema. */
    fun sampleSections(): Map<String, Map<String, SettingValue>> =
        keys.filter { key -> typed.none { key == it || key.startsWith(it) } && '.' in key }
            .groupBy({ it.substringBefore('.') }, { it.substringAfter('.') })
            .mapValues { (section, names) ->
                names.associateWith { name ->
                    val leaf = schema["properties"]["tieline"]["properties"][section]?.get("properties")?.get(name)
                        ?: error("settings.schema.json has no $section.$name (regenerate it: python -m server.hub.settings_docs --write)")
                    sample(leaf, "$section-$name".lowercase())
                }
            }

    /** The dotted camelCase keys a configuration map sets; lists are values, not sections. */
    fun keysOf(configuration: Map<*, *>, prefix: String = ""): Set<String> =
        configuration.flatMap { (k, v) ->
            // A map is a section unless the server names it as one setting (a table value).
            if (v is Map<*, *> && "$prefix$k" !in keys) keysOf(v, "$prefix$k.") else listOf("$prefix$k")
        }.toSet()

    /**
     * A value [schema] accepts. Strings are URLs (every string setting takes one: URLs, names,
     * ids), list items host names (hosts lists take nothing else), enums their last choice.
     */
    fun sample(schema: JsonNode, tag: String): SettingValue {
        schema["enum"]?.let { choices -> return SettingValue.Text(choices.last().asText()) }
        val default = schema["default"]
        return when (schema["type"]?.asText()) {
            "boolean" -> SettingValue.Bool(!(default?.asBoolean() ?: false))
            "integer" -> SettingValue.Num(schema["minimum"]?.asLong() ?: default?.asLong() ?: 1L)
            "number" -> SettingValue.Num(schema["minimum"]?.asDouble() ?: default?.asDouble() ?: 1.0)
            "array" -> SettingValue.Items(listOf(item(schema["items"], tag)))
            "object" -> table(schema, tag)
            else -> text(schema, tag)
        }
    }

    /**
     * A URL where the schema takes one, else (a bounded string: `snippets.prefix`) its
     * default with a letter in front, cut to the bound, which is still unlike the default.
     */
    private fun text(schema: JsonNode, tag: String): SettingValue.Text {
        val max = schema["maxLength"]?.asInt() ?: Int.MAX_VALUE
        val pattern = schema["pattern"]?.asText()?.let(::Regex)
        val url = "https://$tag.example.test"
        if (url.length <= max && (pattern == null || pattern.containsMatchIn(url))) return SettingValue.Text(url)
        return SettingValue.Text(("t" + (schema["default"]?.asText() ?: "x")).take(max))
    }

    private fun item(schema: JsonNode?, tag: String): SettingValue = when {
        schema?.has("enum") == true -> sample(schema, tag)
        else -> plainItem(schema, tag)
    }

    private fun plainItem(schema: JsonNode?, tag: String): SettingValue = when (schema?.get("type")?.asText()) {
        "object" -> table(schema, tag)
        null, "string" -> textItem(schema, tag)
        else -> sample(schema, tag)
    }

    /** A host name, unless the item's pattern wants another shape: an e-mail address
     * (`chat.reviewerEmails`), an absolute path (`docsync.links[].remote`), else what [text]
     * makes of it. */
    private fun textItem(schema: JsonNode?, tag: String): SettingValue.Text {
        // An item whose schema gives an example (a network: `webhooks.allowPrivateNetworks`).
        schema?.get("examples")?.get(0)?.let { return SettingValue.Text(it.asText()) }
        val pattern = schema?.get("pattern")?.asText()?.let(::Regex)
        val host = "$tag.example.test"
        if (schema == null || pattern == null) return SettingValue.Text(host)
        val shapes = listOf(host, "$tag@example.test", "/$tag")
        shapes.firstOrNull { pattern.containsMatchIn(it) }?.let { return SettingValue.Text(it) }
        return text(schema, tag)
    }

    private fun table(schema: JsonNode, tag: String): SettingValue.Table {
        val named = schema["properties"]?.fields()?.asSequence()?.associate { (k, v) -> k to item(v, "$tag-$k".lowercase()) }
        // A map of any keys (`{ python = [...] }`): one entry, valued by its schema.
        val any = schema["additionalProperties"]?.takeIf { it.isObject }
        return SettingValue.Table(named ?: any?.let { mapOf(tag to item(it, tag)) }.orEmpty())
    }
}
