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
 * The GitLab stand-in (contract-checked) serving the CI story of
 * `python -m tests.standin.gitlab_serve --story` on [project] and [branch]: a failed
 * pipeline `build`, a running `deploy` whose job `ship` writes more, a failed `nightly` with
 * a log of several pages and a manual job, and a "Run pipeline" trigger with a required input.
 * [finishRunningJob] ends `ship`; [stop] ends the stand-in and returns the contract violations
 * it saw (a request GitLab's API description rejects).
 */
class GitLabCiStandIn(val project: String, val branch: String, dir: Path) : AutoCloseable {
    private val process: Process
    private val lines = java.util.concurrent.LinkedBlockingQueue<String>()
    private val output = StringBuffer()
    private val drain: Thread
    val url: String

    /** The token the stand-in takes. */
    val token = "tok-a"

    init {
        process = ProcessBuilder(
            TestEnv.python.toString(), "-m", "tests.standin.gitlab_serve",
            "--port", "0", "--project", project, "--branch", branch, "--story",
        ).directory(TestEnv.repo.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("gitlab.err").toFile()))
            .start()
        val reader = BufferedReader(InputStreamReader(process.inputStream))
        drain = Thread({
            runCatching { reader.lines().forEach { output.append(it).append('\n'); lines.add(it) } }
        }, "gitlab-out").apply { isDaemon = true; start() }
        val first = lines.poll(120, TimeUnit.SECONDS)
        val found = first?.let { Regex("""listening on (http://\S+)""").find(it)?.groupValues?.get(1) }
        if (found == null) {
            process.destroyForcibly()
            error("GitLab stand-in did not start: ${first ?: "no output"}\n${readOr(dir.resolve("gitlab.err"))}")
        }
        url = found.removeSuffix("/")
    }

    /** What a server needs to read this GitLab with an environment token. */
    fun env(): Map<String, String> = mapOf(
        "TIELINE_GITLAB_TOKEN" to token,
        "TIELINE_CONNECTORS__GITLAB__API_URL" to "$url/api/v4",
    )

    /** The running job `ship` writes its last line and succeeds. */
    fun finishRunningJob() {
        process.outputStream.write("finish\n".toByteArray())
        process.outputStream.flush()
        check(lines.poll(20, TimeUnit.SECONDS) == "finished") { "the stand-in did not finish the job" }
    }

    /** Ends the stand-in (its stdin closed); returns the contract violations it printed. */
    fun stop(): List<String> {
        runCatching { process.outputStream.close() }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
            return listOf("the GitLab stand-in did not end when its stdin closed")
        }
        drain.join(5_000)
        return output.lines().filter { it.startsWith("contract violation") }
    }

    override fun close() {
        stop()
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
 * https://HOST/OWNER/REPO.git (github.com unless told), and a TIELINE_HOME of its own, so the
 * server touches nothing of the user's.
 */
class Workspace(
    val owner: String = "octo-org",
    val repoName: String = "hello",
    val host: String = "github.com",
) : AutoCloseable {
    val root: Path = TestEnv.tempDir("ws")
    val home: Path = Files.createDirectories(root.resolve("home"))
    val checkout: Path = Files.createDirectories(root.resolve(repoName))
    val stderrLog: Path = root.resolve("server.err")

    init {
        git("init", "-q", "-b", "main")
        git("remote", "add", "origin", "https://$host/$owner/$repoName.git")
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
