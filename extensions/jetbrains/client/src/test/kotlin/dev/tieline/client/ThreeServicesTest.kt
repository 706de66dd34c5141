package dev.tieline.client

import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import org.eclipse.lsp4j.jsonrpc.json.MessageJsonHandler
import org.eclipse.lsp4j.jsonrpc.services.ServiceEndpoints
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * The real server with the three-services scenario (GitHub, Jira and Linear stand-ins, each
 * checking requests against its service's contract), through this module's typed client.
 *
 * Two servers: `all` has every service's secret in its environment, as CI would; `bare` has
 * only GitHub's, so Jira and Linear are signed in to the way a person would -- from the
 * Integrations panel's "Sign in" items, with the helper the plugin's dialog calls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThreeServicesTest {
    private lateinit var scenario: Scenario
    private lateinit var allWs: Workspace
    private lateinit var bareWs: Workspace
    private lateinit var all: TielineConnection
    private lateinit var bare: TielineConnection
    private val gson = MessageJsonHandler(ServiceEndpoints.getSupportedMethods(TielineServerApi::class.java)).gson
    private val common = mapOf(
        "TIELINE_VAULT_BACKEND" to "file",
        "TIELINE_VAULT_PASSPHRASE" to "jetbrains-test",
        "TIELINE_SYNC__REFRESH_DEBOUNCE" to "0",
    )

    @BeforeAll
    fun start() {
        allWs = Workspace(owner = "octo", repoName = "app")
        bareWs = Workspace(owner = "octo", repoName = "app")
        scenario = SharedScenario.get()
        check(scenario.info["repo"].asText() == "octo/app")
        val allClient = TielineLanguageClient()
        val bareClient = TielineLanguageClient()
        all = allWs.start(scenario.env() + common, allClient)
        bare = bareWs.start(scenario.env("TIELINE_LINEAR_TOKEN", "TIELINE_JIRA_TOKEN", "TIELINE_JIRA_EMAIL") + common, bareClient)
        // Both initialize (and make their first sync) at once.
        val started = listOf(all to allWs, bare to bareWs).map { (conn, ws) ->
            CompletableFuture.runAsync { conn.initialize(ws.checkout) }
        }
        started.forEach { it.get(60, TimeUnit.SECONDS) }
        for ((client, ws) in listOf(allClient to allWs, bareClient to bareWs)) {
            assertTrue(eventually(Duration.ofSeconds(60)) { client.anyProgressEnded() }, "first sync never ended\n${ws.serverLog()}")
        }
    }

    @AfterAll
    fun stop() {
        try {
            // Both servers end at once; then the stand-ins, which report what they refused.
            val exits = listOf(::all.isInitialized to { all }, ::bare.isInitialized to { bare })
                .filter { it.first }.map { (_, conn) -> CompletableFuture.supplyAsync { conn().shutdown(Duration.ofSeconds(15)) } }
            exits.forEach { assertEquals(0, it.get(60, TimeUnit.SECONDS), allWs.serverLog() + bareWs.serverLog()) }
            if (::scenario.isInitialized) assertEquals(emptyList<String>(), SharedScenario.stop(), "requests a service's contract rejects")
        } finally {
            if (::allWs.isInitialized) allWs.close()
            if (::bareWs.isInitialized) bareWs.close()
        }
    }

    private fun <T> await(future: CompletableFuture<T>): T = future.get(30, TimeUnit.SECONDS)

    private fun items(server: TielineServerApi, panel: String, parent: String? = null): List<TreeItem> {
        val result = await(server.panelItems(PanelItemsParams(panel, parent)))
        assertEquals(emptyList<String>(), ProtocolSchema.violations("PanelItemsResult", gson.toJson(result)), "$panel/$parent")
        return result.items
    }

    @Test
    fun `tieline connectors conforms to the schema and lists every connector with its sign-in methods`() {
        val result = await(all.server.connectors())
        assertEquals(emptyList<String>(), ProtocolSchema.violations("ConnectorsResult", gson.toJson(result)))
        val byId = result.connectors.associateBy { it.id }
        assertTrue(byId.keys.containsAll(listOf("github", "gitlab", "jira", "linear")), byId.keys.toString())
        // The same connectors the settings have keys for.
        assertEquals(ServerSettings.connectorIds.toSet(), byId.keys)
        for (c in result.connectors) {
            assertTrue(c.name.isNotBlank() && c.auth.isNotEmpty(), "${c.id}: $c")
            for (option in c.auth) {
                assertTrue(option.method in AuthMethod.ALL && option.label.isNotBlank(), "${c.id}: $option")
                if (option.method in AuthMethod.PASTED) assertTrue(!option.secretLabel.isNullOrBlank(), "${c.id}: $option")
                if (option.method == AuthMethod.BASIC) assertTrue(!option.usernameLabel.isNullOrBlank(), "${c.id}: $option")
            }
        }
        assertEquals(setOf(AuthMethod.BASIC, AuthMethod.TOKEN), byId.getValue("jira").auth.map { it.method }.toSet())
        assertTrue(byId.getValue("linear").auth.any { it.method == AuthMethod.API_KEY }, byId.getValue("linear").toString())
        assertTrue(byId.getValue("github").auth.any { it.method == AuthMethod.TOKEN }, byId.getValue("github").toString())
        assertTrue(byId.getValue("gitlab").auth.any { it.method == AuthMethod.TOKEN }, byId.getValue("gitlab").toString())

        val jira = byId.getValue("jira")
        assertEquals(ConnectorInfo.ATTACH_SITE, jira.attach)
        assertEquals(listOf("acme.atlassian.net"), jira.hosts)
        assertTrue(jira.ready)
        for (id in listOf("github", "jira", "linear")) {
            assertTrue(byId.getValue(id).accounts.isNotEmpty(), "$id has no account: ${byId.getValue(id)}")
        }
        assertEquals(emptyList<ConnectorAccount>(), byId.getValue("gitlab").accounts)
        // Every one of them is offered in the plugin's sign-in list (gitlab.com is ready too).
        assertTrue(SignInChoice.of(result).map { it.connector.id }.containsAll(listOf("github", "gitlab", "jira", "linear")))
    }

    @Test
    fun `My Work merges items from github, jira and linear`() {
        val server = all.server
        val keyOf = mapOf("jira" to scenario.info["jira"]["key"].asText(), "linear" to scenario.info["linear"]["key"].asText())
        lateinit var work: List<TreeItem>
        val merged = eventually(Duration.ofSeconds(30)) {
            work = items(server, "work").filter { it.hasChildren }.flatMap { items(server, "work", it.id) }
            work.mapNotNull { it.service }.toSet().containsAll(listOf("github", "jira", "linear"))
        }
        assertTrue(merged, "My Work: ${work.map { "${it.service} ${it.key} ${it.label}" }}\n${allWs.serverLog()}")
        for ((service, key) in keyOf) {
            assertTrue(work.any { it.service == service && it.key == key }, "no $key from $service in ${work.map { it.key }}")
        }
        assertTrue(work.any { it.service == "github" && it.label == "Crash on start" })

        val tree = PanelTree(PanelSource.of(server))
        tree.load().get(30, TimeUnit.SECONDS)
        tree.panels.forEach { p -> tree.children(p.id).orEmpty().filter { it.hasChildren }.forEach { tree.fetchChildren(p.id, it.id).get(30, TimeUnit.SECONDS) } }
        val picture = tree.render()
        for (title in listOf("Crash on start", "Checkout times out on slow networks", "Flaky login on Safari")) {
            assertTrue(title in picture, picture)
        }
    }

    @Test
    fun `signing in to Linear with an API key and to Jira with basic, from the panel's sign-in items`() {
        val server = bare.server
        val signIn = SignIn(server)
        val before = items(server, "integrations")
        val targets = before.mapNotNull { SignInTarget.fromItem(it) }.associateBy { it.connector }
        assertTrue(targets.keys.containsAll(listOf("jira", "linear")), "sign-in items: ${before.map { it.label }}")
        assertTrue("github" !in targets, "GitHub has an environment token")
        assertEquals("acme.atlassian.net", targets.getValue("jira").host)

        val connectors = await(server.connectors())
        fun choose(id: String) = SignInChoice.forTarget(connectors, targets.getValue(id))!!

        // A wrong key is refused, and the answer does not repeat it.
        val wrongKey = "lin_api_" + "w".repeat(40)
        val wrong = await(signIn.run(choose("linear"), choose("linear").options.first { it.method == AuthMethod.API_KEY }, wrongKey.toCharArray()))
        assertInstanceOf(SignInStep.Failed::class.java, wrong)
        assertTrue(wrongKey !in wrong.message, wrong.message)

        val tokens = scenario.info["tokens"]
        val linear = choose("linear")
        val linearStep = await(signIn.run(linear, linear.options.first { it.method == AuthMethod.API_KEY }, tokens["linear"].asText().toCharArray()))
        assertInstanceOf(SignInStep.SignedIn::class.java, linearStep, linearStep.message)
        val jira = choose("jira")
        val jiraStep = await(
            signIn.run(jira, jira.options.first { it.method == AuthMethod.BASIC }, tokens["jira"].asText().toCharArray(), scenario.info["jira"]["email"].asText()),
        )
        assertInstanceOf(SignInStep.SignedIn::class.java, jiraStep, jiraStep.message)
        assertTrue(jiraStep.message.startsWith("Signed in to Jira as "), jiraStep.message)

        val status = await(server.authStatus(AuthStatusParams()))
        assertEquals(emptyList<String>(), ProtocolSchema.violations("AuthStatusResult", gson.toJson(status)))
        val linearAccount = status.accounts.single { it.connector == "linear" }
        assertEquals((linearStep as SignInStep.SignedIn).account, linearAccount.account)
        assertEquals(AuthMethod.API_KEY, linearAccount.method)
        val jiraAccount = status.accounts.single { it.connector == "jira" }
        assertEquals(AuthMethod.BASIC, jiraAccount.method)
        assertEquals("acme.atlassian.net", jiraAccount.host)

        // The Integrations panel shows both accounts healthy, and no longer offers to sign in.
        lateinit var now: List<TreeItem>
        val healthy = eventually(Duration.ofSeconds(30)) {
            now = items(server, "integrations")
            listOf("linear", "jira").all { id ->
                now.any { it.service == id && SignInTarget.fromItem(it) == null && HealthState.HEALTHY in it.description.orEmpty() } &&
                    now.none { SignInTarget.fromItem(it)?.connector == id }
            }
        }
        assertTrue(healthy, "integrations: ${now.map { "${it.service} ${it.label} ${it.description}" }}\n${bareWs.serverLog()}")
        assertTrue(now.any { it.service == "linear" && linearAccount.account!! in it.label }, now.map { it.label }.toString())

        // Signing out, from the accounts tieline/connectors lists, brings the sign-in item back.
        val out = SignOutChoice.of(await(server.connectors())).single { it.connector == "linear" }
        val result = await(server.signOut(out.params))
        assertEquals(emptyList<String>(), ProtocolSchema.violations("SignOutResult", gson.toJson(result)))
        assertTrue(result.signedOut)
        assertEquals(false, result.revoked) // a pasted API key stays valid at the service
        assertTrue(eventually { items(server, "integrations").any { SignInTarget.fromItem(it)?.connector == "linear" } })
    }
}
