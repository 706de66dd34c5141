package dev.tieline.client

import java.time.Duration
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Test

/** The real server over stdio: it starts, initializes, and leaves nothing behind. */
class LifecycleTest {
    @Test
    fun `initialize answers with the server's name, shutdown ends every process`() {
        Workspace().use { ws ->
            val conn = ws.start()
            val tree: List<ProcessHandle>
            try {
                val result = conn.initialize(ws.checkout)
                assertEquals("tieline", result.serverInfo?.name, ws.serverLog())
                assertNotNull(result.capabilities)
                tree = conn.processTree()
            } finally {
                conn.shutdown(Duration.ofSeconds(10))
            }
            assertFalse(conn.process.isAlive)
            assertEquals(0, conn.process.exitValue(), "exit code after shutdown+exit\n${ws.serverLog()}")
            assertEquals(emptyList<ProcessHandle>(), tree.filter { it.isAlive }, "orphaned processes")
        }
    }

    @Test
    fun `closing stdin without shutdown still ends the server`() {
        Workspace().use { ws ->
            val conn = ws.start()
            conn.initialize(ws.checkout)
            conn.process.outputStream.close()
            val exited = conn.process.waitFor(15, TimeUnit.SECONDS)
            conn.shutdown(Duration.ofSeconds(1))
            assertEquals(true, exited, "the server should exit when its client goes away\n${ws.serverLog()}")
        }
    }
}
