package dev.tieline.client

import com.google.gson.Gson
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import org.eclipse.lsp4j.CodeLensParams
import org.eclipse.lsp4j.DidOpenTextDocumentParams
import org.eclipse.lsp4j.ExecuteCommandParams
import org.eclipse.lsp4j.HoverParams
import org.eclipse.lsp4j.Position
import org.eclipse.lsp4j.TextDocumentIdentifier
import org.eclipse.lsp4j.TextDocumentItem
import org.eclipse.lsp4j.jsonrpc.json.MessageJsonHandler
import org.eclipse.lsp4j.jsonrpc.services.ServiceEndpoints
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * The real server, through this module's typed client, against the GitHub stand-in: a git
 * checkout of octo/app on branch `feature`, signed in as octocat with a token from the
 * environment. One server for the class; it is shut down (and checked gone) at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerFeaturesTest {
    private val token = "ghp_jetbrainsTESTtoken0123456789abcdefXYZ"
    private val seed = """
        {"login": "octocat",
         "tokens": {"$token": "octocat"},
         "issues": [
           {"repo": "octo/app", "title": "Crash on start", "labels": ["bug"], "assignees": ["octocat"], "author": "hubot"},
           {"repo": "octo/app", "title": "Write the docs", "author": "hubot", "mentions": ["octocat"]}],
         "pulls": [
           {"repo": "octo/app", "title": "Add the loader", "head": "feature", "head_sha": "${"a".repeat(40)}", "author": "octocat",
            "reviews": [{"user": "hubot", "state": "APPROVED"}]},
           {"repo": "octo/app", "title": "Refactor config", "head": "refactor", "head_sha": "${"b".repeat(40)}", "author": "hubot",
            "requested_reviewers": ["octocat"]}],
         "check_runs": [
           {"repo": "octo/app", "sha": "${"a".repeat(40)}", "name": "build", "status": "completed", "conclusion": "success"},
           {"repo": "octo/app", "sha": "${"a".repeat(40)}", "name": "lint", "status": "completed", "conclusion": "failure"}],
         "collaborators": [{"repo": "octo/app", "login": "hubot"}]}
    """.trimIndent()
    private val notes = "# Notes\n\nThe crash is #1; the docs are #2. Our PR is #3.\n"

    private lateinit var ws: Workspace
    private lateinit var github: GitHubStandIn
    private lateinit var conn: TielineConnection
    private lateinit var processes: List<ProcessHandle>
    private val changed = CopyOnWriteArrayList<PanelChangedParams>()
    private val gson = MessageJsonHandler(ServiceEndpoints.getSupportedMethods(TielineServerApi::class.java)).gson
    private val server get() = conn.server

    @BeforeAll
    fun start() {
        ws = Workspace(owner = "octo", repoName = "app")
        github = GitHubStandIn(seed, ws.root)
        ws.write("NOTES.md", notes)
        ws.git("-c", "user.name=T", "-c", "user.email=t@example.com", "add", "NOTES.md")
        ws.git("-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
        ws.git("checkout", "-q", "-b", "feature")
        val client = TielineLanguageClient()
        client.onPanelChanged { changed.add(it) }
        conn = ws.start(
            mapOf(
                "TIELINE_CONNECTORS__GITHUB__API_URL" to github.url,
                "TIELINE_GITHUB_TOKEN" to token,
                "TIELINE_VAULT_BACKEND" to "file",
                "TIELINE_VAULT_PASSPHRASE" to "jetbrains-test",
                "TIELINE_SYNC__REFRESH_DEBOUNCE" to "0",
                "TIELINE_LOG_LEVEL" to "debug",
            ),
            client,
        )
        conn.initialize(ws.checkout)
        processes = conn.processTree()
        assertTrue(eventually(Duration.ofSeconds(60)) { client.anyProgressEnded() }, "first sync never ended\n${ws.serverLog()}")
    }

    @AfterAll
    fun stop() {
        try {
            if (::conn.isInitialized) {
                assertEquals(0, conn.shutdown(Duration.ofSeconds(15)), ws.serverLog())
                assertEquals(emptyList<ProcessHandle>(), processes.filter { it.isAlive }, "orphaned processes")
            }
        } finally {
            if (::github.isInitialized) github.close()
            if (::ws.isInitialized) ws.close()
        }
    }

    private fun <T> await(future: java.util.concurrent.CompletableFuture<T>): T = future.get(30, TimeUnit.SECONDS)

    private fun open(path: Path, language: String): String {
        val uri = path.toUri().toString()
        server.textDocumentService.didOpen(
            DidOpenTextDocumentParams(TextDocumentItem(uri, language, 1, java.nio.file.Files.readString(path))),
        )
        return uri
    }

    /** Position of the character after [needle]'s first character, as an editor would hover it. */
    private fun at(text: String, needle: String): Position {
        val lines = text.lines()
        val line = lines.indexOfFirst { needle in it }
        return Position(line, lines[line].indexOf(needle) + 1)
    }

    @Test
    fun `initialize announces hovers, lenses, links and the refresh command`() {
        val caps = conn.initializeResult!!.capabilities
        assertTrue(caps.hoverProvider?.let { it.left == true || it.right != null } == true)
        assertTrue(caps.codeLensProvider != null && caps.documentLinkProvider != null)
        assertTrue(TielineCommands.REFRESH in caps.executeCommandProvider.commands)
    }

    @Test
    fun `hovers and code lenses on a document with references`() {
        val uri = open(ws.checkout.resolve("NOTES.md"), "markdown")
        val hover = await(server.textDocumentService.hover(HoverParams(TextDocumentIdentifier(uri), at(notes, "#1;"))))
        val card = hover.contents.right.value
        assertTrue("Crash on start" in card, card)
        val pr = await(server.textDocumentService.hover(HoverParams(TextDocumentIdentifier(uri), at(notes, "#3"))))
        assertTrue("Add the loader" in pr.contents.right.value)

        val lenses = await(server.textDocumentService.codeLens(CodeLensParams(TextDocumentIdentifier(uri))))
        val titles = lenses.mapNotNull { lens -> (lens.command ?: await(server.textDocumentService.resolveCodeLens(lens)).command)?.title }
        assertTrue(titles.any { it.startsWith("#1 open") }, titles.toString())
        assertTrue(titles.any { it.startsWith("PR #3") }, titles.toString())
    }

    @Test
    fun `panels and their items conform to the shared schema`() {
        val panels = await(server.panels())
        assertEquals(emptyList<String>(), ProtocolSchema.violations("PanelsResult", gson.toJson(panels)))
        assertEquals(listOf("work", "ci", "agenda", "inbox", "tasks", "snippets", "docs", "integrations"), panels.panels.map { it.id }, panels.toString())

        val tree = PanelTree(PanelSource.of(server))
        tree.load().get(30, TimeUnit.SECONDS)
        // Every level the tree can reach, fetched raw and validated against the schema.
        val seen = mutableListOf<TreeItem>()
        fun walk(panelId: String, parentId: String?, depth: Int) {
            val raw = await(server.panelItems(PanelItemsParams(panelId, parentId)))
            seen += raw.items
            assertEquals(emptyList<String>(), ProtocolSchema.violations("PanelItemsResult", gson.toJson(raw)), "$panelId/$parentId")
            if (depth < 3) raw.items.filter { it.hasChildren }.forEach { walk(panelId, it.id, depth + 1) }
            if (depth < 3) raw.items.filter { it.hasChildren }.forEach { tree.fetchChildren(panelId, it.id).get(30, TimeUnit.SECONDS) }
        }
        panels.panels.forEach { walk(it.id, null, 0) }
        val picture = tree.render()
        assertTrue("Refactor config" in picture, picture) // needs my review
        assertTrue("Add the loader" in picture, picture) // mine, CI failing
        assertTrue("Crash on start" in picture, picture) // assigned to me
        // Work items name their service and key; item commands take item keys, not numbers.
        val crash = seen.first { it.label == "Crash on start" }
        assertEquals("github", crash.service)
        assertEquals("#1", crash.key)
        assertTrue(seen.filter { it.contextValue == "issue" || it.contextValue == "pullRequest" }.all { it.service == "github" })
        val integration = seen.single { it.id.startsWith("integrations/github/") }
        assertEquals("github", integration.service)
        assertTrue(HealthState.HEALTHY in integration.description.orEmpty(), integration.toString())

        val status = await(server.status())
        assertEquals(emptyList<String>(), ProtocolSchema.violations("StatusResult", gson.toJson(status)))
        val gh = status.connectors.single { it.connector == "github" }
        assertEquals("octocat", gh.account)
        assertEquals(HealthState.HEALTHY, gh.state)
    }

    @Test
    fun `auth status answers in the schema's shape`() {
        val accounts = await(server.authStatus(AuthStatusParams("github")))
        assertEquals(emptyList<String>(), ProtocolSchema.violations("AuthStatusResult", gson.toJson(accounts)))
    }

    @Test
    fun `a refresh sends tieline panel changed and the tree refetches`() {
        val tree = PanelTree(PanelSource.of(server))
        tree.load().get(30, TimeUnit.SECONDS)
        val reloaded = CopyOnWriteArrayList<PanelTreeEvent>()
        tree.addListener { reloaded.add(it) }
        val subscription = conn.client.onPanelChanged { tree.onPanelChanged(it) }
        try {
            changed.clear()
            await(server.workspaceService.executeCommand(ExecuteCommandParams(TielineCommands.REFRESH, emptyList())))
            assertTrue(eventually { changed.any { it.panelId == "work" } }, "no tieline/panel/changed after refresh: $changed")
            changed.forEach { assertEquals(emptyList<String>(), ProtocolSchema.violations("PanelChangedParams", Gson().toJson(it))) }
            assertTrue(eventually { reloaded.any { it is PanelTreeEvent.ItemsLoaded && it.panelId == "work" } })
        } finally {
            subscription.close()
        }
    }
}
