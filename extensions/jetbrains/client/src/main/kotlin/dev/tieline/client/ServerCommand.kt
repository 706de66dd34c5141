package dev.tieline.client

import java.io.File
import java.nio.file.Files
import java.nio.file.Path

/**
 * How to start `tieline serve` on stdio. The plugin builds its LSP4IJ connection provider from
 * this; TielineConnection starts it directly.
 */
data class ServerCommand(
    val command: List<String>,
    val workingDirectory: Path? = null,
    val environment: Map<String, String> = emptyMap(),
) {
    fun withEnvironment(extra: Map<String, String>) = copy(environment = environment + extra)

    companion object {
        /**
         * [configured] is what the user set: a `tieline` executable, or a Python interpreter
         * that has Tieline installed (then `python -m server serve`). Blank: the first `tieline`
         * on [path], else plain `tieline serve` and let the OS report it missing.
         */
        fun resolve(configured: String?, path: String? = System.getenv("PATH")): ServerCommand {
            if (!configured.isNullOrBlank()) return forExecutable(configured.trim())
            val names = if (isWindows()) listOf("tieline.exe", "tieline.cmd") else listOf("tieline")
            val found = path.orEmpty().split(File.pathSeparatorChar).filter { it.isNotBlank() }
                .flatMap { dir -> names.map { Path.of(dir, it) } }
                .firstOrNull { Files.isRegularFile(it) && Files.isExecutable(it) }
            return ServerCommand(listOf(found?.toString() ?: "tieline", "serve"))
        }

        fun forExecutable(executable: String): ServerCommand {
            val name = Path.of(executable).fileName?.toString()?.lowercase().orEmpty()
            return if (name.startsWith("python")) {
                ServerCommand(listOf(executable, "-m", "server", "serve"))
            } else {
                ServerCommand(listOf(executable, "serve"))
            }
        }

        /** From a source checkout: `python -m server serve` in [repoRoot] (development, tests). */
        fun fromSource(python: Path, repoRoot: Path): ServerCommand =
            ServerCommand(listOf(python.toString(), "-m", "server", "serve"), repoRoot)

        private fun isWindows() = System.getProperty("os.name").orEmpty().startsWith("Windows")
    }
}
