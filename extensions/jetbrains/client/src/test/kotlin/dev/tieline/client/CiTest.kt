package dev.tieline.client

import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import org.eclipse.lsp4j.jsonrpc.json.MessageJsonHandler
import org.eclipse.lsp4j.jsonrpc.services.ServiceEndpoints
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.TestMethodOrder
import org.junit.jupiter.api.assertThrows

/**
 * The CI model against the real server and a GitLab stand-in that checks every request
 * against GitLab's API description (tests/standin/gitlab_serve.py --story): the CI panel's
 * items offer what the server allows, actions and "Run pipeline" go through, and job logs are
 * paged through `tieline/log` and followed on `tieline/log/changed`. One server for the class,
 * started with this client's `ci` settings (16 KB log pages), so the tests also show the
 * server takes them. The tests run in order: the actions change the stand-in's pipelines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class CiTest {
    private lateinit var ws: Workspace
    private lateinit var gitlab: GitLabCiStandIn
    private lateinit var conn: TielineConnection
    private lateinit var ci: Ci
    private lateinit var branch: TreeItem
    private val client = TielineLanguageClient(
        TielineSettings(ci = CiSettings(notify = "off", logPageKb = PAGE_KB, logFollowInterval = 0.5)),
    )
    private val gson = MessageJsonHandler(ServiceEndpoints.getSupportedMethods(TielineServerApi::class.java)).gson

    /** Every `tieline/log` answer, checked against the protocol schema as it arrives. */
    private val pages = CopyOnWriteArrayList<Pair<LogParams, LogResult>>()

    @BeforeAll
    fun start() {
        ws = Workspace(owner = "octo-org", repoName = "hello-ci", host = "gitlab.com")
        ws.git("checkout", "-q", "-b", BRANCH)
        ws.write(".gitlab-ci.yml", "release:\n  script: [make release]\n") // the marker GitLab CI is read for
        ws.git("add", ".gitlab-ci.yml")
        ws.git("-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit", "-q", "-m", "Build on GitLab")
        gitlab = GitLabCiStandIn("${ws.owner}/${ws.repoName}", BRANCH, ws.root)
        conn = ws.start(
            gitlab.env() + mapOf(
                "TIELINE_CONNECTORS__GITHUB__ENABLED" to "false",
                "TIELINE_SYNC__REFRESH_DEBOUNCE" to "0",
                "TIELINE_VAULT_BACKEND" to "file",
                "TIELINE_VAULT_PASSPHRASE" to "jetbrains-test",
            ),
            client,
        )
        conn.initialize(ws.checkout)
        ci = Ci(recording(CiSource.of(conn.server)))
        client.onLogChanged { ci.logs.changed(it) }
        // The newest pipeline's checks may show first; the pipelines follow their own sync.
        fun pipelines() = items("ci").singleOrNull()?.takeIf { it.hasChildren }?.let { b -> items("ci", b.id).filter { it.ciItem != null } }
        assertTrue(
            eventually(Duration.ofSeconds(60)) { pipelines()?.size == 3 },
            "the CI panel never showed the branch's pipelines: ${runCatching { pipelines() }}\n${ws.serverLog()}",
        )
        branch = items("ci").single()
    }

    @AfterAll
    fun stop() {
        try {
            if (::conn.isInitialized) assertEquals(0, conn.shutdown(Duration.ofSeconds(15)), ws.serverLog())
            if (::gitlab.isInitialized) assertEquals(emptyList<String>(), gitlab.stop(), "requests GitLab's API description rejects")
        } finally {
            if (::ws.isInitialized) ws.close()
        }
    }

    private fun <T> await(future: CompletableFuture<T>, seconds: Long = 30): T = future.get(seconds, TimeUnit.SECONDS)

    private fun items(panel: String, parent: String? = null): List<TreeItem> {
        val result = await(conn.server.panelItems(PanelItemsParams(panel, parent)))
        assertEquals(emptyList<String>(), ProtocolSchema.violations("PanelItemsResult", gson.toJson(result)), "$panel/$parent")
        return result.items
    }

    /** The `tieline/ci/trigger` requests sent. */
    private val triggered = CopyOnWriteArrayList<CITriggerParams>()

    private fun recording(source: CiSource): CiSource = object : CiSource by source {
        override fun ciTrigger(params: CITriggerParams) = source.ciTrigger(params).also { triggered.add(params) }

        override fun log(params: LogParams) = source.log(params).thenApply { r ->
            assertEquals(emptyList<String>(), ProtocolSchema.violations("LogResult", gson.toJson(r)))
            pages.add(params to r)
            r
        }
    }

    private fun pipeline(name: String): TreeItem =
        items("ci", branch.id).singleOrNull { it.label.startsWith("$name #") }
            ?: error("no pipeline $name: ${items("ci", branch.id).map { it.label }}")

    /** A pipeline's jobs, through its stages where it has several. */
    private fun jobs(pipeline: TreeItem): List<TreeItem> =
        items("ci", pipeline.id).flatMap { node -> if (node.ciItem == null) items("ci", node.id) else listOf(node) }

    private fun job(pipeline: String, name: String): TreeItem =
        jobs(pipeline(pipeline)).singleOrNull { it.label == name } ?: error("no job $name in $pipeline")

    private fun failure(future: CompletableFuture<*>): Throwable =
        assertThrows<ExecutionException> { await(future) }.cause!!

    @Test
    @Order(1)
    fun `each CI item offers what the server allows it now, its log and its page`() {
        val build = pipeline("build")
        val deploy = pipeline("deploy")
        val nightly = pipeline("nightly")
        assertEquals(listOf(CIAction.RERUN, CIAction.RERUN_FAILED), CiMenu.allowed(build))
        assertEquals(listOf(CIAction.CANCEL), CiMenu.allowed(deploy))
        assertTrue(CiMenu.allows(nightly, CIAction.RERUN_FAILED) && !CiMenu.allows(nightly, CIAction.CANCEL), nightly.contextValue)
        assertEquals(build.ciItem, CiMenu.target(build))

        val unit = job("build", "unit")
        val ship = job("deploy", "ship")
        val publish = job("nightly", "publish")
        assertEquals(listOf(CIAction.RETRY), CiMenu.allowed(unit))
        assertEquals(listOf(CIAction.CANCEL), CiMenu.allowed(ship))
        assertEquals(listOf(CIAction.PLAY), CiMenu.allowed(publish))
        assertEquals(
            listOf(CiEntry.OpenLog(unit.logUri!!), CiEntry.Act(CIAction.RETRY, "Retry"), CiEntry.OpenInBrowser(unit.url!!)),
            CiMenu.entries(unit),
        )
        assertTrue(unit.logUri!!.startsWith("tieline-log:/gitlab/"), unit.logUri)

        // The server's own buttons on each item name the same actions the menu offers.
        for (item in listOf(build, deploy, nightly, unit, ship, publish)) {
            val buttons = item.actions.map { it.id }.filter { it in CIAction.ALL }
            assertEquals(buttons.toSet(), CiMenu.allowed(item).toSet(), item.label)
        }
        // A branch and a stage are no pipeline or job: nothing to act on, no log.
        val stage = items("ci", build.id).first { it.ciItem == null }
        for (item in listOf(branch, stage)) {
            assertTrue(CiMenu.entries(item).none { it !is CiEntry.OpenInBrowser }, "${item.label}: ${CiMenu.entries(item)}")
        }
    }

    @Test
    @Order(2)
    fun `actions go to the service, and one the item does not allow is refused with the reason`() {
        val build = pipeline("build")
        val refused = failure(ci.act(build, CIAction.CANCEL))
        assertTrue("does not allow cancel" in Ci.message(refused), Ci.message(refused))

        val retried = await(ci.act(job("build", "unit"), CIAction.RETRY))
        assertTrue("retry requested" in retried.message, retried.message)
        assertEquals(emptyList<String>(), ProtocolSchema.violations("CIActResult", gson.toJson(retried)))
        val unit = requireNotNull(retried.pipeline) { retried.message }.jobs.single { it.name == "unit" }
        assertTrue(unit.status != RunStatus.COMPLETED, unit.toString())

        val played = await(ci.act(job("nightly", "publish"), CIAction.PLAY))
        assertTrue("play requested" in played.message, played.message)
    }

    @Test
    @Order(3)
    fun `Run pipeline asks the trigger's inputs and starts it on the branch`() {
        val folder = ws.checkout.toUri().toString().removeSuffix("/")
        val trigger = await(ci.triggers(folder)).single()
        assertEquals(BRANCH, trigger.branch)
        val form = TriggerForm(trigger)
        val version = form.fields.single()
        assertEquals("version", version.name)
        assertEquals(TriggerField.Kind.TEXT, version.kind)
        assertEquals("version (required)", version.label)
        assertEquals(mapOf("version" to "version is required"), form.problems(form.initialValues()))

        // A missing required input never leaves the client...
        assertInstanceOf(IllegalArgumentException::class.java, failure(ci.trigger(form, form.initialValues())))
        assertEquals(emptyList<CITriggerParams>(), triggered)
        // ... a given one starts the pipeline.
        val started = await(ci.trigger(form, mapOf("version" to "2.0")))
        assertEquals(emptyList<String>(), ProtocolSchema.violations("CITriggerResult", gson.toJson(started)))
        assertTrue("started" in started.message, started.message)
        assertEquals(BRANCH, requireNotNull(started.pipeline) { started.message }.branch)
        assertEquals(listOf(CITriggerParams(trigger.id, BRANCH, mapOf("version" to "2.0"))), triggered)
    }

    @Test
    @Order(4)
    fun `a long log is read page by page from each next offset, its failing step first`() {
        val soak = job("nightly", "soak")
        val uri = soak.logUri!!
        // The server reads the finished log whole, then says it changed; once that is said,
        // nothing about this log changes while the reader below pages through it.
        val peek = await(conn.server.log(LogParams(uri = uri, limit = 100)), 60)
        assertTrue(peek.text.length <= 100 && peek.text.startsWith("=== Failing step: step_script"), peek.text)
        assertTrue(eventually { client.logChanges.any { it.uri == uri } }, "no tieline/log/changed for $uri")
        assertEquals(null, ci.logs.view(uri), "a change of a log not shown is not read")
        val seen = CopyOnWriteArrayList<LogView>()
        val listening = ci.logs.addListener { if (it.uri == uri) seen.add(it) }
        val view = try {
            await(ci.logs.open(uri), 90)
        } finally {
            listening.close()
        }
        val read = pages.filter { it.first.uri == uri }
        assertTrue(read.size >= 3, "a ${view.text.length}-character log in ${read.size} pages of $PAGE_KB KB")
        assertEquals(0, read.first().first.offset)
        read.zipWithNext { (_, a), (b, _) -> assertEquals(a.nextOffset, b.offset, "each page from the last one's nextOffset") }
        assertTrue(read.all { it.second.text.length <= PAGE_KB * 1024 }, "a page over ci.logPageKb")
        assertEquals(read.joinToString("") { it.second.text }, view.text)
        assertTrue(view.complete && read.last().second.complete)
        assertEquals(read.last().second.total, view.text.length)

        assertEquals("step_script", view.failingStep)
        val head = view.text.substringBefore("=== Full log")
        assertTrue(head.startsWith("=== Failing step: step_script"), view.text.take(200))
        assertTrue("soak: out of time" in head, "the failing step's end comes first")
        assertTrue(view.text.count { it == '\n' } > 1500 && '\u001b' !in view.text)
        // Listeners saw the first page while the rest loaded, and the whole at the end.
        assertTrue(seen.size >= 2 && view.text.startsWith(seen.first().text) && seen.last() == view, "${seen.size} views")

        // Opened again: the whole log is known, nothing is asked.
        val asked = pages.size
        assertEquals(view, await(ci.logs.open(uri)))
        assertEquals(asked, pages.size)

        // Smaller pages, asked for by the reader, give the same text.
        val small = LogReader(recording(CiSource.of(conn.server)), pageChars = 4096)
        val before = pages.size
        assertEquals(view.text, await(small.open(uri), 90).text)
        val smallPages = pages.drop(before)
        assertTrue(smallPages.size > read.size && smallPages.all { it.first.limit == 4096 && it.second.text.length <= 4096 })
    }

    @Test
    @Order(5)
    fun `a running job's log is followed until it ends`() {
        val ship = job("deploy", "ship")
        val uri = ship.logUri!!
        val reading = ci.logs.open(uri)
        assertTrue(eventually { ci.logs.view(uri)?.text?.startsWith("shipping...\n") == true }, "${ci.logs.view(uri)}")
        assertTrue(ci.logs.view(uri)!!.live)
        gitlab.finishRunningJob()

        assertTrue(
            eventually(Duration.ofSeconds(30)) { ci.logs.view(uri)?.complete == true },
            "never complete: ${ci.logs.view(uri)}\n${ws.serverLog()}",
        )
        await(reading)
        assertTrue(eventually { client.logChanges.any { it.uri == uri } }, "no tieline/log/changed for $uri")
        assertTrue(client.logChanges.all { ProtocolSchema.violations("LogChangedParams", gson.toJson(it)).isEmpty() })
        val done = ci.logs.view(uri)!!
        assertEquals("shipping...\nshipped\n", done.text)
        assertFalse(done.live)
        // A change of a log read to its end is nothing to read on.
        assertFalse(ci.logs.changed(uri, client.logChanges.last { it.uri == uri }.version))
    }

    @Test
    @Order(6)
    fun `the ci settings reach the server, which names a bad one and takes a good one`() {
        fun warnings() = client.messages.filter { it.type == org.eclipse.lsp4j.MessageType.Warning && "Tieline settings" in it.message }
        assertEquals(emptyList<Any>(), warnings(), "the settings this class started with are valid")
        val good = client.settings
        val asked = client.configurationRequests.get()
        client.settings = good.copy(ci = good.ci.copy(logPageKb = 8)) // below the server's 16
        conn.server.workspaceService.didChangeConfiguration(org.eclipse.lsp4j.DidChangeConfigurationParams(client.settings.section(null)))
        assertTrue(eventually { warnings().isNotEmpty() }, "no warning for ci.logPageKb=8\n${ws.serverLog()}")
        assertTrue("log_page_kb" in warnings().single().message, warnings().single().message)
        assertTrue(client.configurationRequests.get() > asked)

        client.settings = good
        val again = client.configurationRequests.get()
        conn.server.workspaceService.didChangeConfiguration(org.eclipse.lsp4j.DidChangeConfigurationParams(client.settings.section(null)))
        assertTrue(eventually { client.configurationRequests.get() > again }, "not asked again")
        Thread.sleep(300) // a warning, if any, would follow the answer at once
        assertEquals(1, warnings().size, "a valid value must not warn")
    }

    companion object {
        const val BRANCH = "feature"
        const val PAGE_KB = 16L
    }
}
