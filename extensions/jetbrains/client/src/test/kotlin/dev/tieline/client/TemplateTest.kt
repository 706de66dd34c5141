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
        val full = TielineSettings(
            logLevel = "info",
            github = GitHubSettings(true, "https://x/api/v3", "https://x", "id", listOf("x"), "a", listOf(AccountRule("x", "o", "a"))),
            autolinks = listOf(AutolinkRule("A-(\\d+)", "https://t/A-{1}", "t")),
            notifications = NotificationSettings(true, true, true, true, true),
            sync = SyncSettings(60.0, 0.1, 2.0),
            network = NetworkSettings("/ca.pem", 20.0),
            branchTemplate = "{number}",
        )
        val doc = TestEnv.mapper.readTree(Gson().toJson(mapOf("tieline" to full.toConfiguration())))
        assertEquals(emptySet<Any>(), settingsSchema.validate(doc).map { it.message }.toSet())
        assertTrue(settingsSchema.validate(TestEnv.mapper.readTree("""{"tieline": {"githubToken": "x"}}""")).isNotEmpty())
    }

    /** Every key the server's configuration has is in the schema, and nothing else. */
    @Test
    fun `the settings schema names exactly the server's configuration keys`() {
        val serverKeys = TestEnv.runPython(
            """
            import re
            from pydantic import BaseModel
            from server.hub.config import Config
            def camel(s): return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), s)
            def walk(model, prefix):
                for name, field in model.model_fields.items():
                    path = prefix + camel(name)
                    t = field.annotation
                    args = getattr(t, "__args__", ())
                    inner = args[0] if args and getattr(t, "__origin__", None) is list else t
                    if isinstance(inner, type) and issubclass(inner, BaseModel):
                        walk(inner, path + ("[]." if inner is not t else "."))
                    else:
                        print(path)
            walk(Config, "")
            """.trimIndent(),
        ).lines().filter { it.isNotBlank() }.toSortedSet()

        fun walk(node: JsonNode, prefix: String, out: MutableSet<String>) {
            val props = node["properties"] ?: node["items"]?.get("properties")
            if (props == null) { out.add(prefix.removeSuffix(".")); return }
            val sep = if (node.has("items")) "[]." else ""
            props.fields().forEach { (k, v) -> walk(v, "${prefix.removeSuffix(".")}$sep${if (prefix.isEmpty() || sep.isNotEmpty()) "" else "."}$k.", out) }
        }
        val schemaKeys = sortedSetOf<String>()
        walk(json("settings.schema.json")["properties"]["tieline"], "", schemaKeys)
        // The server keeps autolink rules as plain tables and validates them itself
        // (server/hub/autolinks.py); SettingsTest sends one through that validation.
        val autolinkKeys = schemaKeys.filter { it.startsWith("autolinks[].") }
        assertEquals(listOf("autolinks[].name", "autolinks[].pattern", "autolinks[].url"), autolinkKeys)
        schemaKeys.removeAll(autolinkKeys.toSet())
        schemaKeys.add("autolinks")
        assertEquals(serverKeys, schemaKeys)
    }
}
