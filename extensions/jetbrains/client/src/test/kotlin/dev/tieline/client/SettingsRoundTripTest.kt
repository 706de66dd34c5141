package dev.tieline.client

import java.time.Duration
import org.eclipse.lsp4j.DidChangeConfigurationParams
import org.eclipse.lsp4j.MessageType
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Editor settings reach the real server through workspace/configuration, and it reports bad ones. */
class SettingsRoundTripTest {
    @Test
    fun `the server asks for the tieline section, names a bad value, and re-asks on change`() {
        Workspace().use { ws ->
            val client = TielineLanguageClient(TielineSettings(sync = SyncSettings(pollInterval = 1.0)))
            val conn = ws.start(mapOf("TIELINE_CONNECTORS__GITHUB__ENABLED" to "false"), client)
            try {
                conn.initialize(ws.checkout)
                fun warnings() = client.messages.filter { it.type == MessageType.Warning && "Tieline settings" in it.message }
                assertTrue(eventually { warnings().isNotEmpty() }, "no warning for pollInterval=1\n${ws.serverLog()}")
                assertTrue("poll_interval" in warnings().single().message, warnings().single().message)
                val asked = client.configurationRequests.get()
                assertTrue(asked >= 1)

                client.settings = TielineSettings(sync = SyncSettings(pollInterval = 30.0))
                conn.server.workspaceService.didChangeConfiguration(DidChangeConfigurationParams(client.settings.section(null)))
                assertTrue(eventually { client.configurationRequests.get() > asked }, "not asked again")
                Thread.sleep(300) // a warning, if any, would follow the answer at once
                assertEquals(1, warnings().size, "a valid value must not warn")
            } finally {
                assertEquals(0, conn.shutdown(Duration.ofSeconds(10)), ws.serverLog())
            }
        }
    }
}
