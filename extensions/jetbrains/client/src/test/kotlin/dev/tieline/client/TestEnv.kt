package dev.tieline.client

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/** Where the tests find the project: its root and the Python that runs the server. */
object TestEnv {
    val mapper = ObjectMapper()

    val repo: Path = (System.getProperty("tieline.repo")?.takeIf { it.isNotBlank() }
        ?.let { Path.of(it) } ?: Path.of("../../..")).toAbsolutePath().normalize()

    /** -Dtieline.python (the Makefile's), else $TIELINE_PYTHON, else the checkout's .venv. */
    val python: Path = listOf(System.getProperty("tieline.python"), System.getenv("TIELINE_PYTHON"))
        .firstOrNull { !it.isNullOrBlank() }?.let { Path.of(it) }
        ?: repo.resolve(".venv/bin/python")

    val schemaFile: Path = repo.resolve("server/lsp/tieline-protocol.schema.json")

    val schema: JsonNode by lazy { mapper.readTree(schemaFile.toFile()) }

    /** Runs `python -c code` in the repo with [stdin]; returns stdout, failing on a non-zero exit. */
    fun runPython(code: String, stdin: String = ""): String = run(listOf("-c", code), stdin)

    /** Runs `python -m module args...` in the repo; returns stdout, failing on a non-zero exit. */
    fun runModule(module: String, vararg args: String): String = run(listOf("-m", module) + args)

    private fun run(args: List<String>, stdin: String = ""): String {
        val process = ProcessBuilder(listOf(python.toString()) + args)
            .directory(repo.toFile())
            .redirectErrorStream(false)
            .start()
        process.outputStream.use { it.write(stdin.toByteArray()) }
        val out = process.inputStream.bufferedReader().readText()
        val err = process.errorStream.bufferedReader().readText()
        check(process.waitFor(60, TimeUnit.SECONDS)) { "python did not finish" }
        check(process.exitValue() == 0) { "python failed (${process.exitValue()}):\n$err" }
        return out
    }

    fun tempDir(prefix: String): Path = Files.createTempDirectory("tieline-$prefix-")

    fun deleteTree(path: Path) {
        if (!Files.exists(path)) return
        Files.walk(path).sorted(Comparator.reverseOrder()).forEach { Files.deleteIfExists(it) }
    }
}
