package dev.tieline.client

import java.io.BufferedReader
import java.io.InputStreamReader
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit

/**
 * A GitHub stand-in process (tests/standin/github.py) seeded from [seed] (the JSON its docstring
 * describes). It prints its URL once listening; stopping it ends the process.
 */
class GitHubStandIn(seed: String, dir: Path) : AutoCloseable {
    private val process: Process
    val url: String

    init {
        val seedFile = dir.resolve("seed.json")
        Files.writeString(seedFile, seed)
        process = ProcessBuilder(
            TestEnv.python.toString(), "-m", "tests.standin.github", "--port", "0", "--seed", seedFile.toString(),
        ).directory(TestEnv.repo.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("standin.err").toFile()))
            .start()
        val reader = BufferedReader(InputStreamReader(process.inputStream))
        val line = CompletableFuture.supplyAsync { reader.readLine() }
        val first = runCatching { line.get(120, TimeUnit.SECONDS) }.getOrNull()
        val found = first?.let { Regex("""listening on (http://\S+)""").find(it)?.groupValues?.get(1) }
        if (found == null) {
            close()
            error("stand-in did not start: ${first ?: "no output"}\n${readOr(dir.resolve("standin.err"))}")
        }
        url = found
        // Keep draining stdout so the stand-in never blocks on a full pipe.
        Thread({ runCatching { reader.lines().forEach { } } }, "standin-out").apply { isDaemon = true }.start()
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
    }
}

/**
 * A throwaway workspace for one server: a git checkout whose origin is
 * https://github.com/OWNER/REPO.git, and a TIELINE_HOME of its own, so the server touches
 * nothing of the user's.
 */
class Workspace(val owner: String = "octo-org", val repoName: String = "hello") : AutoCloseable {
    val root: Path = TestEnv.tempDir("ws")
    val home: Path = Files.createDirectories(root.resolve("home"))
    val checkout: Path = Files.createDirectories(root.resolve(repoName))
    val stderrLog: Path = root.resolve("server.err")

    init {
        git("init", "-q", "-b", "main")
        git("remote", "add", "origin", "https://github.com/$owner/$repoName.git")
    }

    fun write(relative: String, text: String): Path {
        val file = checkout.resolve(relative)
        Files.createDirectories(file.parent)
        Files.writeString(file, text)
        return file
    }

    fun git(vararg args: String) {
        val p = ProcessBuilder(listOf("git", "-C", checkout.toString()) + args)
            .redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) { "git ${args.toList()}: $out" }
    }

    /** The server command with this workspace's environment (plus [env]). */
    fun command(env: Map<String, String> = emptyMap()): ServerCommand =
        ServerCommand.fromSource(TestEnv.python, TestEnv.repo).withEnvironment(
            mapOf(
                "TIELINE_HOME" to home.toString(),
                "HOME" to home.toString(), // keyring and git config stay inside too
                "GIT_CONFIG_NOSYSTEM" to "1",
            ) + env,
        )

    fun start(env: Map<String, String> = emptyMap(), client: TielineLanguageClient = TielineLanguageClient()): TielineConnection =
        TielineConnection.start(command(env), client, stderrLog)

    fun serverLog(): String = readOr(stderrLog)

    override fun close() = TestEnv.deleteTree(root)
}

private fun readOr(path: Path): String = runCatching { Files.readString(path) }.getOrDefault("")

/** Polls [condition] until it holds or [timeout] passes; returns whether it held. */
fun eventually(timeout: Duration = Duration.ofSeconds(20), condition: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + timeout.toNanos()
    while (System.nanoTime() < deadline) {
        if (condition()) return true
        Thread.sleep(50)
    }
    return condition()
}
