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
 * The three-services scenario (tests/scenarios.py): contract-checked stand-ins of GitHub, Jira
 * and Linear on 127.0.0.1, seeded. [info] is the JSON file it writes (`env`, `urls`, `tokens`,
 * `jira`, `linear`, `repo`). It serves until its stdin closes; [close] does that and returns
 * the contract violations it printed (a request one of the services' contracts rejects).
 */
class Scenario(dir: Path) : AutoCloseable {
    private val process: Process
    private val output = StringBuffer()
    private val drain: Thread
    val info: com.fasterxml.jackson.databind.JsonNode

    init {
        val out = dir.resolve("scenario.json")
        process = ProcessBuilder(TestEnv.python.toString(), "-m", "tests.scenarios", "--out", out.toString())
            .directory(TestEnv.repo.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("scenario.err").toFile()))
            .start()
        val reader = BufferedReader(InputStreamReader(process.inputStream))
        val first = runCatching { CompletableFuture.supplyAsync { reader.readLine() }.get(120, TimeUnit.SECONDS) }.getOrNull()
        if (first == null || "scenario ready" !in first) {
            process.destroyForcibly()
            error("scenario did not start: ${first ?: "no output"}\n${readOr(dir.resolve("scenario.err"))}")
        }
        drain = Thread({ runCatching { reader.lines().forEach { output.append(it).append('\n') } } }, "scenario-out")
            .apply { isDaemon = true; start() }
        info = TestEnv.mapper.readTree(out.toFile())
    }

    /** What a server needs to use all three services with environment secrets, minus [drop]. */
    fun env(vararg drop: String): Map<String, String> =
        info["env"].fields().asSequence().associate { it.key to it.value.asText() } - drop.toSet()

    /** Ends the stand-ins; returns the contract violations they saw (empty: none). */
    fun stop(): List<String> {
        runCatching { process.outputStream.close() }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
            return listOf("the scenario did not end when its stdin closed")
        }
        drain.join(5_000)
        val violations = output.lines().filter { it.startsWith("contract violation") }
        return violations.ifEmpty {
            if (process.exitValue() == 0) emptyList() else listOf("the scenario exited ${process.exitValue()}:\n$output")
        }
    }

    override fun close() {
        stop()
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
