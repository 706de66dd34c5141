package dev.tieline.client

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.ObjectNode
import com.networknt.schema.JsonSchema
import com.networknt.schema.JsonSchemaFactory
import com.networknt.schema.SpecVersion
import java.lang.reflect.Modifier
import org.eclipse.lsp4j.jsonrpc.json.MessageJsonHandler
import org.eclipse.lsp4j.jsonrpc.services.JsonNotification
import org.eclipse.lsp4j.jsonrpc.services.JsonRequest
import org.eclipse.lsp4j.jsonrpc.services.ServiceEndpoints
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** Validates JSON against one definition of the shared schema (`#/$defs/NAME`). */
object ProtocolSchema {
    private val factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
    private val cache = HashMap<String, JsonSchema>()

    fun definitions(): Map<String, JsonNode> =
        TestEnv.schema["\$defs"].fields().asSequence().associate { it.key to it.value }

    @Synchronized
    fun forDefinition(name: String): JsonSchema = cache.getOrPut(name) {
        val doc = TestEnv.schema.deepCopy<ObjectNode>()
        doc.remove(listOf("methods", "version", "title"))
        doc.put("\$ref", "#/\$defs/$name")
        factory.getSchema(doc)
    }

    /** Schema violations of [json] as `definition name`; empty when it conforms. */
    fun violations(name: String, json: String): List<String> =
        forDefinition(name).validate(TestEnv.mapper.readTree(json)).map { it.message }

    /** The definition a method's result (or params) refers to, e.g. `PanelsResult`. */
    fun definitionOf(method: String, part: String): String? =
        TestEnv.schema["methods"][method]?.get(part)?.takeIf { !it.isNull }?.get("\$ref")?.asText()
            ?.substringAfterLast('/')
}

class ProtocolSchemaTest {
    private val gson = MessageJsonHandler(
        ServiceEndpoints.getSupportedMethods(TielineServerApi::class.java),
    ).gson

    @TestFactory
    fun `every schema definition has a data class with exactly its fields`(): List<DynamicTest> =
        ProtocolSchema.definitions().map { (name, def) ->
            DynamicTest.dynamicTest(name) {
                val cls = Class.forName("dev.tieline.client.$name")
                val fields = cls.declaredFields
                    .filter { !Modifier.isStatic(it.modifiers) && !it.isSynthetic }
                    .map { it.name }.toSortedSet()
                val expected = def["properties"].fieldNames().asSequence().toSortedSet()
                assertEquals(expected, fields, "fields of $name")
            }
        }

    @Test
    fun `every schema method is on the typed interfaces with its direction`() {
        fun annotated(cls: Class<*>) = cls.methods.mapNotNull { m ->
            m.getAnnotation(JsonRequest::class.java)?.value
                ?: m.getAnnotation(JsonNotification::class.java)?.value
        }.filter { it.startsWith("tieline/") }.toSet()

        val methods = TestEnv.schema["methods"]
        val toServer = methods.fields().asSequence()
            .filter { it.value["direction"].asText() == "clientToServer" }.map { it.key }.toSet()
        val toClient = methods.fields().asSequence()
            .filter { it.value["direction"].asText() == "serverToClient" }.map { it.key }.toSet()
        assertEquals(toServer, annotated(TielineServerApi::class.java))
        assertEquals(toClient, annotated(TielineClientApi::class.java))
    }

    @Test
    fun `enumerations match the schema`() {
        val defs = ProtocolSchema.definitions()
        fun enumOf(def: String, prop: String): Set<String> {
            val node = defs.getValue(def)["properties"][prop]
            val withEnum = node["enum"] ?: node["anyOf"].first { it.has("enum") }["enum"]
            return withEnum.map { it.asText() }.toSet()
        }
        assertEquals(HealthState.ALL.toSet(), enumOf("StatusResult", "overall"))
        assertEquals(HealthState.ALL.toSet(), enumOf("ConnectorStatus", "state"))
        assertEquals(
            setOf(ItemAction.PLACEMENT_INLINE, ItemAction.PLACEMENT_CONTEXT),
            enumOf("ItemAction", "placement"),
        )
        assertEquals(
            setOf(
                SignInResult.STATE_SIGNED_IN, SignInResult.STATE_PENDING,
                SignInResult.STATE_FAILED, SignInResult.STATE_CANCELLED,
            ),
            enumOf("SignInResult", "state"),
        )
        for ((def, prop) in listOf("SignInParams" to "method", "AuthOption" to "method", "AccountStatus" to "method")) {
            assertEquals(AuthMethod.ALL.toSet(), enumOf(def, prop), "$def.$prop")
        }
        assertEquals(HealthState.ALL.toSet(), enumOf("ConnectorAccount", "state"))
        assertEquals(
            setOf(ConnectorInfo.ATTACH_REMOTE, ConnectorInfo.ATTACH_SITE, ConnectorInfo.ATTACH_ACCOUNT),
            enumOf("ConnectorInfo", "attach"),
        )
        assertEquals(CIAction.ALL.toSet(), enumOf("CIActParams", "action"))
        assertEquals(RunStatus.ALL.toSet(), enumOf("CIJob", "status"))
        assertEquals(CITriggerInput.TYPES.toSet(), enumOf("CITriggerInput", "type"))
        assertEquals(DocSyncStatus.ALL.toSet(), enumOf("DocSyncStatus", "state"))
        assertEquals(DocSyncLink.ALL.toSet(), enumOf("DocSyncLink", "state"))
        assertEquals(TeamHubStatus.ALL.toSet(), enumOf("TeamHubStatus", "state"))
    }

    @Test
    fun `what this client sends conforms to the schema`() {
        val samples = listOf(
            "PanelItemsParams" to PanelItemsParams("issues"),
            "SignInParams" to SignInParams("github", host = "ghe.example.com"),
            "SignInParams" to SignInParams("github", method = AuthMethod.DEVICE),
            "SignInParams" to SignInParams("linear", method = AuthMethod.API_KEY, token = "lin_api_x"),
            "SignInParams" to SignInParams("jira", "acme.atlassian.net", AuthMethod.BASIC, "t0ken", "mia@example.com"),
            "SignOutParams" to SignOutParams("github", account = "octocat"),
            "AuthStatusParams" to AuthStatusParams(),
            "CIActParams" to CIActParams("ci/p/gitlab:gitlab.com:g/p:41", CIAction.RERUN_FAILED),
            "CITriggersParams" to CITriggersParams(),
            "CITriggerParams" to CITriggerParams("t1", inputs = mapOf("version" to "1.2.0")),
            "LogParams" to LogParams("tieline-log:/gitlab/gitlab.com/g%2Fp/7/unit.log", offset = 512),
        )
        for ((name, value) in samples) {
            val json = gson.toJson(value)
            assertEquals(emptyList<String>(), ProtocolSchema.violations(name, json), "$name: $json")
        }
    }

    @Test
    fun `a full server answer reads into the data classes, unknown fields ignored`() {
        val json = """
            {"items": [{"id": "i1", "label": "#1 Fix it", "description": "open", "hasChildren": true,
              "tooltip": "**bold**", "icon": "issues", "url": "https://github.com/o/r/issues/1",
              "command": {"command": "tieline.open", "title": "Open", "arguments": [1, "x"]},
              "contextValue": "issue", "future": 42,
              "actions": [{"id": "a", "title": "Start work", "placement": "inline",
                           "command": {"command": "tieline.startWork", "title": "Start"}}]},
              {"id": "i2", "label": "minimal"}]}
        """.trimIndent()
        assertEquals(emptyList<String>(), ProtocolSchema.violations("PanelItemsResult", json))
        val result = gson.fromJson(json, PanelItemsResult::class.java)
        val first = result.items[0]
        assertTrue(first.hasChildren)
        assertEquals("tieline.startWork", first.actions.single().command.command)
        assertEquals(ItemAction.PLACEMENT_INLINE, first.actions.single().placement)
        val minimal = result.items[1]
        assertEquals(emptyList<ItemAction>(), minimal.actions) // absent: the default, not null
        assertEquals(false, minimal.hasChildren)
    }

    @Test
    fun `a connectors answer reads into the data classes`() {
        val json = """
            {"connectors": [{"id": "jira", "name": "Jira", "capabilities": ["issues"], "attach": "site",
              "hosts": ["acme.atlassian.net"], "ready": true, "future": {"x": 1},
              "auth": [{"method": "basic", "label": "Paste an API token", "secretLabel": "API token",
                        "usernameLabel": "email", "help": "id.atlassian.com"}],
              "accounts": [{"host": "acme.atlassian.net", "account": "mia@example.com", "state": "healthy"}]},
              {"id": "new", "name": "New", "capabilities": [], "attach": "account"}]}
        """.trimIndent()
        assertEquals(emptyList<String>(), ProtocolSchema.violations("ConnectorsResult", json))
        val result = gson.fromJson(json, ConnectorsResult::class.java)
        val jira = result.connectors[0]
        assertEquals("email", jira.auth.single().usernameLabel)
        assertEquals("mia@example.com", jira.accounts.single().account)
        val minimal = result.connectors[1]
        assertEquals(emptyList<AuthOption>(), minimal.auth)
        assertTrue(minimal.enabled && minimal.ready)
        assertEquals("", minimal.description)
    }

    @Test
    fun `a status with folder sync reads into the data classes`() {
        val json = """
            {"overall": "healthy", "connectors": [],
             "docsync": {"state": "syncing", "linked": 2, "conflicts": 1, "lastSync": "2026-12-02T15:25:00Z",
               "future": true,
               "links": [{"folder": "docs", "service": "google", "remote": "/docs", "state": "syncing",
                          "lastSync": "2026-12-02T15:25:00Z", "conflicts": 1},
                         {"folder": "specs", "service": "microsoft", "remote": "/specs", "state": "offline",
                          "lastError": "not signed in to microsoft"}]}}
        """.trimIndent()
        assertEquals(emptyList<String>(), ProtocolSchema.violations("StatusResult", json))
        val d = gson.fromJson(json, StatusResult::class.java).docsync!!
        assertEquals(DocSyncStatus.SYNCING, d.state)
        assertEquals(listOf(1, 0), d.links.map { it.conflicts }) // absent: the default, not null
        assertEquals(DocSyncLink.OFFLINE, d.links[1].state)
        val notified = """{"part": "docsync"}"""
        assertEquals(emptyList<String>(), ProtocolSchema.violations("StatusChangedParams", notified))
        assertEquals("docsync", gson.fromJson(notified, StatusChangedParams::class.java).part)
    }

    @Test
    fun `a status with the team hub link reads into the data classes`() {
        val json = """
            {"overall": "healthy", "connectors": [],
             "teamHub": {"state": "fallback", "url": "https://hub.example.com/api/v1/events/stream",
               "lastEventId": "41", "lagSeconds": 0.4, "lastEventAt": "2026-12-03T18:00:00Z",
               "since": "2026-12-03T18:05:00Z", "lastError": "ConnectError: connection refused"}}
        """.trimIndent()
        assertEquals(emptyList<String>(), ProtocolSchema.violations("StatusResult", json))
        val t = gson.fromJson(json, StatusResult::class.java).teamHub!!
        assertEquals(TeamHubStatus.FALLBACK, t.state)
        assertEquals("41", t.lastEventId)
        assertEquals(0.4, t.lagSeconds)
        assertEquals(null, gson.fromJson("""{"overall": "healthy", "connectors": []}""", StatusResult::class.java).teamHub)
        val notified = """{"part": "team_hub"}"""
        assertEquals(emptyList<String>(), ProtocolSchema.violations("StatusChangedParams", notified))
    }

    @Test
    fun `sign-in params never print their secret`() {
        val text = SignInParams("linear", method = AuthMethod.API_KEY, token = "lin_api_SECRET").toString()
        assertTrue("lin_api_SECRET" !in text && "linear" in text, text)
    }

    @Test
    fun `the schema rejects what it should`() {
        assertTrue(ProtocolSchema.violations("PanelsResult", """{"panels": [{"id": "x"}]}""").isNotEmpty())
        assertTrue(ProtocolSchema.violations("StatusResult", """{"overall": "fine", "connectors": []}""").isNotEmpty())
    }
}
