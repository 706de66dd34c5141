package dev.tieline.client

import java.nio.file.Files
import java.nio.file.attribute.PosixFilePermissions
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class ServerCommandTest {
    @Test
    fun `a configured python runs the server module, anything else is the tieline script`() {
        assertEquals(listOf("/v/bin/python3", "-m", "server", "serve"), ServerCommand.resolve("/v/bin/python3").command)
        assertEquals(listOf("/opt/tieline/bin/tieline", "serve"), ServerCommand.resolve(" /opt/tieline/bin/tieline ").command)
    }

    @Test
    fun `unset, the first tieline on PATH is used`() {
        val empty = TestEnv.tempDir("path-a")
        val bin = TestEnv.tempDir("path-b")
        try {
            val script = Files.createFile(bin.resolve("tieline"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")))
            val path = listOf(empty, bin).joinToString(java.io.File.pathSeparator)
            assertEquals(listOf(script.toString(), "serve"), ServerCommand.resolve(null, path).command)
            assertEquals(listOf("tieline", "serve"), ServerCommand.resolve("", empty.toString()).command)
        } finally {
            TestEnv.deleteTree(empty)
            TestEnv.deleteTree(bin)
        }
    }
}
