package dev.tieline.client

import com.fasterxml.jackson.databind.JsonNode
import com.google.gson.Gson
import com.networknt.schema.JsonSchemaFactory
import com.networknt.schema.SpecVersion
import java.nio.file.Files
import java.time.Duration
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** extensions/jetbrains/template: the LSP4IJ user-defined server a user imports without a plugin. */
class TemplateTest {
    private val dir = TestEnv.repo.resolve("extensions/jetbrains/template")
    private fun json(name: String): JsonNode = TestEnv.mapper.readTree(dir.resolve(name).toFile())
    private val settingsSchema by lazy {
        // LSP4IJ's templates use a relative ${'$'}id ("LSP4IJ/NAME/settings.schema.json"); the validator
        // wants an absolute one, and nothing here refers to it.
        val schema = json("settings.schema.json") as com.fasterxml.jackson.databind.node.ObjectNode
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema.without<JsonNode>("${'$'}id"))
    }

    @Test
    fun `every template file parses`() {
        for (name in listOf("template.json", "initializationOptions.json", "settings.json", "settings.schema.json")) {
            assertTrue(json(name).isObject, name)
        }
        val template = json("template.json")
        assertEquals("tieline", template["id"].asText())
        val mappings = template["fileTypeMappings"]
        assertTrue(mappings.size() > 10)
        mappings.forEach {
            assertTrue(it["languageId"].asText().isNotBlank())
            assertTrue(it["fileType"]["patterns"].size() > 0)
        }
    }

    @Test
    fun `the template's command starts the server`() {
        val args = json("template.json")["programArgs"]["default"].asText().split(" ")
        assertEquals(listOf("tieline", "serve"), args)
        // The same command line, with `tieline` found where the project installs it.
        val script = TestEnv.python.resolveSibling("tieline")
        assertTrue(Files.isExecutable(script), "no tieline script beside $script")
        Workspace().use { ws ->
            val command = ServerCommand(listOf(script.toString()) + args.drop(1), ws.checkout)
                .withEnvironment(ws.command().environment)
            val conn = TielineConnection.start(command, TielineLanguageClient(), ws.stderrLog)
            try {
                val options = TestEnv.mapper.convertValue(json("initializationOptions.json"), Map::class.java)
                assertEquals("tieline", conn.initialize(ws.checkout, options).serverInfo?.name, ws.serverLog())
            } finally {
                assertEquals(0, conn.shutdown(Duration.ofSeconds(10)), ws.serverLog())
            }
        }
    }

    @Test
    fun `settings json and everything the plugin can send conform to the settings schema`() {
        assertEquals(emptySet<Any>(), settingsSchema.validate(json("settings.json")).map { it.message }.toSet())
        val doc = TestEnv.mapper.readTree(Gson().toJson(mapOf("tieline" to ServerSettings.full().toConfiguration())))
        assertEquals(emptySet<Any>(), settingsSchema.validate(doc).map { it.message }.toSet())
        assertTrue(settingsSchema.validate(TestEnv.mapper.readTree("""{"tieline": {"githubToken": "x"}}""")).isNotEmpty())
        val unknown = """{"tieline": {"connectors": {"nosuch": {"enabled": true}}}}"""
        assertTrue(settingsSchema.validate(TestEnv.mapper.readTree(unknown)).isNotEmpty(), "an unknown connector passed")
    }

    /** Every key the server has (`settings_docs --keys`) is in the schema, and nothing else. */
    @Test
    fun `the settings schema names exactly the server's configuration keys`() {
        fun walk(node: JsonNode, prefix: String, out: MutableSet<String>) {
            val props = node["properties"]
            if (props == null || node["type"]?.asText() == "array") { out.add(prefix); return }
            props.fields().forEach { (k, v) -> walk(v, if (prefix.isEmpty()) k else "$prefix.$k", out) }
        }
        val schemaKeys = sortedSetOf<String>()
        walk(json("settings.schema.json")["properties"]["tieline"], "", schemaKeys)
        assertEquals(ServerSettings.keys.toSortedSet(), schemaKeys)
        // The server keeps autolink rules as plain tables and validates them itself
        // (server/hub/autolinks.py); SettingsTest sends one through that validation.
        val autolink = json("settings.schema.json")["properties"]["tieline"]["properties"]["autolinks"]["items"]["properties"]
        assertEquals(listOf("name", "pattern", "url"), autolink.fieldNames().asSequence().sorted().toList())
    }
}
