package dev.tieline.client

import com.google.gson.Gson
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

class SettingsTest {
    private val full = TielineSettings(
        logLevel = "debug",
        github = GitHubSettings(
            enabled = true,
            apiUrl = "https://ghe.example.com/api/v3",
            webUrl = "https://ghe.example.com",
            clientId = "Iv1.abc",
            enterpriseHosts = listOf("ghe.example.com"),
            account = "alice-work",
            accounts = listOf(AccountRule("github.com", "acme", "alice-work"), AccountRule("github.com", account = "alice")),
        ),
        autolinks = listOf(AutolinkRule("ABC-(\\d+)", "https://tracker.example.com/browse/ABC-{1}", "Tracker")),
        notifications = NotificationSettings(true, false, true, true, false),
        sync = SyncSettings(pollInterval = 120.0, jitter = 0.2, refreshDebounce = 1.0),
        network = NetworkSettings(caBundle = "/etc/ssl/corp.pem", timeout = 30.0),
        branchTemplate = "{login}/{number}-{slug}",
    )

    @Test
    fun `unset settings are absent, so the server's lower layers win`() {
        assertEquals(emptyMap<String, Any>(), TielineSettings().toConfiguration())
        val one = TielineSettings(sync = SyncSettings(pollInterval = 30.0)).toConfiguration()
        assertEquals(mapOf("sync" to mapOf("pollInterval" to 30.0)), one)
    }

    @Test
    fun `sections answer workspace configuration items`() {
        val s = TielineSettings(sync = SyncSettings(jitter = 0.3))
        assertEquals(mapOf("jitter" to 0.3), s.section("tieline.sync"))
        assertEquals(0.3, s.section("tieline.sync.jitter"))
        assertEquals(s.toConfiguration(), s.section("tieline"))
        assertNull(s.section("python"))
        assertEquals(mapOf("tieline" to s.toConfiguration()), s.section(null))
    }

    /** The server's own configuration loader accepts every key, with the values sent. */
    @Test
    fun `the server accepts every setting this client can send`() {
        val json = Gson().toJson(full.toConfiguration())
        val out = TestEnv.runPython(
            """
            import json, sys
            from pathlib import Path
            from server.hub import config
            from server.hub.autolinks import load_autolinks
            loaded = config.load(editor=json.load(sys.stdin), environ={}, user_file=Path("/nonexistent/config.toml"))
            links = load_autolinks(loaded.config.autolinks)
            print(json.dumps({"problems": [str(p) for p in loaded.problems] + list(links.problems),
                              "config": loaded.config.model_dump(mode="json")}))
            """.trimIndent(),
            stdin = json,
        )
        val result = TestEnv.mapper.readTree(out)
        assertEquals("[]", result["problems"].toString(), "server refused: ${result["problems"]}")
        val cfg = result["config"]
        assertEquals("debug", cfg["log_level"].asText())
        assertEquals("https://ghe.example.com/api/v3", cfg["connectors"]["github"]["api_url"].asText())
        assertEquals("acme", cfg["connectors"]["github"]["accounts"][0]["owner"].asText())
        assertEquals(false, cfg["notifications"]["check_failed"].asBoolean())
        assertEquals(120.0, cfg["sync"]["poll_interval"].asDouble())
        assertEquals(30.0, cfg["network"]["timeout"].asDouble())
        assertEquals("{login}/{number}-{slug}", cfg["branch_template"].asText())
        assertEquals("Tracker", cfg["autolinks"][0]["name"].asText())
    }
}
