package dev.tieline.client

import com.google.gson.Gson
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SettingsTest {
    @Test
    fun `unset settings are absent, so the server's lower layers win`() {
        assertEquals(emptyMap<String, Any>(), TielineSettings().toConfiguration())
        assertEquals(emptyMap<String, Any>(), TielineSettings(connectors = mapOf("jira" to emptyMap())).toConfiguration())
        val one = TielineSettings(sync = SyncSettings(pollInterval = 30.0)).toConfiguration()
        assertEquals(mapOf("sync" to mapOf("pollInterval" to 30.0)), one)
    }

    @Test
    fun `sections answer workspace configuration items`() {
        val s = TielineSettings(
            sync = SyncSettings(jitter = 0.3),
            connectors = mapOf("jira" to mapOf("site" to SettingValue.Text("https://acme.atlassian.net"))),
        )
        assertEquals(mapOf("jitter" to 0.3), s.section("tieline.sync"))
        assertEquals(0.3, s.section("tieline.sync.jitter"))
        assertEquals("https://acme.atlassian.net", s.section("tieline.connectors.jira.site"))
        assertEquals(s.toConfiguration(), s.section("tieline"))
        assertNull(s.section("python"))
        assertEquals(mapOf("tieline" to s.toConfiguration()), s.section(null))
    }

    @Test
    fun `connector values are typed from what a person types`() {
        assertEquals(SettingValue.Text("https://gitlab.example.com"), SettingValue.parse(" https://gitlab.example.com "))
        assertEquals(SettingValue.Bool(false), SettingValue.parse("false"))
        assertEquals(SettingValue.Num(30L), SettingValue.parse("30"))
        assertEquals(SettingValue.Num(0.5), SettingValue.parse("0.5"))
        assertEquals(SettingValue.Text("true"), SettingValue.parse("\"true\""))
        assertEquals(SettingValue.Items(listOf(SettingValue.Text("git.example.com"))), SettingValue.parse("""["git.example.com"]"""))
        assertEquals(
            SettingValue.Items(listOf(SettingValue.Table(mapOf("host" to SettingValue.Text("h"), "account" to SettingValue.Text("a"))))),
            SettingValue.parse("""[{"host": "h", "account": "a"}]"""),
        )
        assertEquals(SettingValue.Text("Task"), SettingValue.parse("Task"))
        assertNull(SettingValue.parse("  "))
        assertEquals(SettingValue.Table(mapOf("n" to SettingValue.Num(2L), "l" to SettingValue.Items(listOf(SettingValue.Bool(true))))),
            SettingValue.of(mapOf("n" to 2.0, "l" to listOf(true), "gone" to null)))

        val rows = listOf(
            ConnectorSetting("jira", "site", "https://acme.atlassian.net"),
            ConnectorSetting("gitlab", "hosts", """["git.example.com"]"""),
            ConnectorSetting("", "site", "x"), // no connector: skipped
            ConnectorSetting("linear", "enabled", "false"),
            ConnectorSetting("linear", "enabled", "true"), // the later row wins
            ConnectorSetting("jira", "issueType", " "), // blank: not set
        )
        val configuration = TielineSettings(connectors = ConnectorSetting.toMap(rows)).toConfiguration()
        assertEquals(
            mapOf(
                "connectors" to mapOf(
                    "jira" to mapOf("site" to "https://acme.atlassian.net"),
                    "gitlab" to mapOf("hosts" to listOf("git.example.com")),
                    "linear" to mapOf("enabled" to true),
                ),
            ),
            configuration,
        )
    }

    @Test
    fun `the ci settings page sends only what differs from the server's defaults`() {
        // The page's choices, defaults and bounds are the server's (its generated schema).
        val ci = ServerSettings.schema["properties"]["tieline"]["properties"]["ci"]["properties"]
        assertEquals(CiSettings.NOTIFY_CHOICES, ci["notify"]["enum"].map { it.asText() })
        assertEquals(CiSettings.DEFAULT_NOTIFY, ci["notify"]["default"].asText())
        assertEquals(CiSettings.DEFAULT_DIAGNOSTICS, ci["diagnostics"]["default"].asBoolean())
        assertEquals(CiSettings.DEFAULT_LOG_PAGE_KB, ci["logPageKb"]["default"].asInt())
        assertEquals(CiSettings.LOG_PAGE_KB_RANGE, ci["logPageKb"]["minimum"].asInt()..ci["logPageKb"]["maximum"].asInt())
        assertEquals(CiSettings.DEFAULT_LOG_FOLLOW_INTERVAL, ci["logFollowInterval"]["default"].asDouble())
        assertEquals(
            CiSettings.LOG_FOLLOW_INTERVAL_RANGE,
            ci["logFollowInterval"]["minimum"].asDouble()..ci["logFollowInterval"]["maximum"].asDouble(),
        )

        assertEquals(CiSettings(), CiSettings.fromForm("failures", true, 0, " "))
        assertEquals(CiSettings(), CiSettings.fromForm("", true, 0, "soon"))
        val set = CiSettings.fromForm("off", false, 64, " 0.5 ")
        assertEquals(CiSettings(notify = "off", diagnostics = false, logPageKb = 64, logFollowInterval = 0.5), set)
        assertEquals(
            mapOf("ci" to mapOf("notify" to "off", "diagnostics" to false, "logPageKb" to 64L, "logFollowInterval" to 0.5)),
            TielineSettings(ci = set).toConfiguration(),
        )
    }

    @Test
    fun `more settings rows become sections, under the page's own fields`() {
        val sections = SectionSetting.toMap(
            listOf(
                SectionSetting("diagrams", "krokiUrl", "https://kroki.example.test"),
                SectionSetting(" docs ", "hover", "false"),
                SectionSetting("ci", "notify", "all"),
                SectionSetting("ci", "logPageKb", "64"),
                SectionSetting("", "orphan", "1"),
                SectionSetting("connectors", "jira", "{}"),
            ),
        )
        val conf = TielineSettings(ci = CiSettings(notify = "off"), sections = sections).toConfiguration()
        assertEquals(mapOf("krokiUrl" to "https://kroki.example.test"), conf["diagrams"])
        assertEquals(mapOf("hover" to false), conf["docs"])
        assertEquals(mapOf("notify" to "off", "logPageKb" to 64L), conf["ci"]) // the field wins
        assertEquals(null, conf["connectors"]) // connectors have their own table
    }

    /**
     * The client can make every setting the server has (its own `--keys` list), for every
     * connector it lists, and the server's configuration loader takes each with the value sent.
     */
    @Test
    fun `the server accepts every setting this client can send, for every connector`() {
        val full = ServerSettings.full()
        assertEquals(ServerSettings.keys.toSortedSet(), ServerSettings.keysOf(full.toConfiguration()).toSortedSet())
        assertTrue(ServerSettings.connectorIds.containsAll(listOf("github", "gitlab", "jira", "linear")), ServerSettings.connectorIds.toString())

        val out = TestEnv.runPython(
            """
            import json, sys
            from pathlib import Path
            from server.hub import config
            from server.hub.autolinks import load_autolinks
            loaded = config.load(editor=json.load(sys.stdin), environ={}, user_file=Path("/nonexistent/config.toml"))
            links = load_autolinks(loaded.config.autolinks)
            c = loaded.config
            print(json.dumps({"problems": [str(p) for p in loaded.problems] + list(links.problems),
                              "config": c.model_dump(mode="json"),
                              "connectors": {i: c.connectors[i].model_dump(mode="json") for i in c.connectors}}))
            """.trimIndent(),
            stdin = Gson().toJson(full.toConfiguration()),
        )
        val result = TestEnv.mapper.readTree(out)
        assertEquals("[]", result["problems"].toString(), "server refused: ${result["problems"]}")
        val connectors = result["connectors"]
        assertEquals(ServerSettings.connectorIds.toSet(), connectors.fieldNames().asSequence().toSet())
        for ((id, keys) in full.connectors) {
            for ((key, value) in keys) {
                val snake = key.replace(Regex("[A-Z]")) { "_" + it.value.lowercase() }
                val sent = TestEnv.mapper.readTree(Gson().toJson(value.toJson()))
                assertEquals(sent, connectors[id][snake], "connectors.$id.$key")
            }
        }
        val cfg = result["config"]
        assertEquals("debug", cfg["log_level"].asText())
        assertEquals(false, cfg["notifications"]["check_failed"].asBoolean())
        assertEquals(true, cfg["notifications"]["issue_closed"].asBoolean())
        assertEquals(120.0, cfg["sync"]["poll_interval"].asDouble())
        assertEquals(30.0, cfg["network"]["timeout"].asDouble())
        assertEquals("{login}/{number}-{slug}", cfg["branch_template"].asText())
        assertEquals("Tracker", cfg["autolinks"][0]["name"].asText())
    }
}
