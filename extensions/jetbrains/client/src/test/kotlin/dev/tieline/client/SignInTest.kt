package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The service-neutral sign-in helper against a scripted server; the real one is in ThreeServicesTest. */
class SignInTest {
    private val device = AuthOption(AuthMethod.DEVICE, "Sign in with a one-time code")
    private val pkce = AuthOption(AuthMethod.PKCE, "Sign in with the browser")
    private val token = AuthOption(AuthMethod.TOKEN, "Paste a personal access token", secretLabel = "Token")
    private val apiKey = AuthOption(AuthMethod.API_KEY, "Paste an API key", secretLabel = "API key")
    private val basic = AuthOption(AuthMethod.BASIC, "Paste an API token", secretLabel = "API token", usernameLabel = "email")

    private val forge = ConnectorInfo(
        id = "forge", name = "Forge", attach = ConnectorInfo.ATTACH_REMOTE,
        hosts = listOf("forge.example.com", "forge.corp.example"), auth = listOf(device, pkce, token),
        accounts = listOf(ConnectorAccount("forge.example.com", "kim", HealthState.HEALTHY)),
    )
    private val tracker = ConnectorInfo(
        id = "tracker", name = "Tracker", attach = ConnectorInfo.ATTACH_SITE,
        hosts = listOf("acme.tracker.example"), auth = listOf(basic, apiKey),
    )
    private val unsetSite = ConnectorInfo(id = "wiki", name = "Wiki", attach = ConnectorInfo.ATTACH_SITE, ready = false, auth = listOf(token))
    private val off = ConnectorInfo(id = "chat", name = "Chat", enabled = false, auth = listOf(apiKey))
    private val connectors = ConnectorsResult(listOf(forge, tracker, unsetSite, off))

    private class Server(var answer: SignInResult = SignInResult(SignInResult.STATE_SIGNED_IN, account = "kim")) {
        val sent = CopyOnWriteArrayList<SignInParams>()
        fun send(p: SignInParams): CompletableFuture<SignInResult> {
            sent.add(p)
            return CompletableFuture.completedFuture(answer)
        }
    }

    private fun run(server: Server, choice: SignInChoice, option: AuthOption, secret: CharArray? = null, username: String? = null) =
        SignIn(server::send).run(choice, option, secret, username).get(5, TimeUnit.SECONDS)

    @Test
    fun `choices come from the connectors list, ready and enabled, one per host`() {
        val choices = SignInChoice.of(connectors)
        assertEquals(listOf("Forge (forge.example.com)", "Forge (forge.corp.example)", "Tracker"), choices.map { it.label })
        assertEquals(listOf("acme.tracker.example"), choices.filter { it.connector.id == "tracker" }.map { it.host })
        assertEquals(listOf("wiki"), SignInChoice.notReady(connectors).map { it.id })
        assertEquals(listOf("Forge: kim (forge.example.com)"), SignOutChoice.of(connectors).map { it.label })
        assertEquals(SignOutParams("forge", "forge.example.com", "kim"), SignOutChoice.of(connectors).single().params)
    }

    @Test
    fun `a panel's sign-in item names its connector and host`() {
        val item = TreeItem(
            "integrations/sign-in/tracker", "Sign in to Tracker", service = "tracker", contextValue = SignInTarget.CONTEXT_SIGN_IN,
            command = Command(SignInTarget.COMMAND, "Sign in to Tracker", listOf("tracker", "acme.tracker.example")),
        )
        assertEquals(SignInTarget("tracker", "acme.tracker.example"), SignInTarget.fromItem(item))
        assertEquals(SignInTarget("tracker"), SignInTarget.fromItem(item.copy(command = null)))
        assertNull(SignInTarget.fromItem(TreeItem("x", "An issue", service = "tracker", command = Command("tieline.openInBrowser", "Open", listOf("u")))))
        val choice = SignInChoice.forTarget(connectors, SignInTarget("forge", "forge.corp.example"))!!
        assertEquals("forge.corp.example", choice.host)
        assertNull(SignInChoice.forTarget(connectors, SignInTarget("nosuch")))
    }

    @Test
    fun `device returns the code to show and sends no secret`() {
        val server = Server(SignInResult(SignInResult.STATE_PENDING, DeviceCode("ABCD-1234", "https://forge.example.com/device", expiresIn = 900)))
        val step = run(server, SignInChoice(forge, "forge.example.com"), device, secret = "ignored".toCharArray())
        assertEquals(listOf(SignInParams("forge", "forge.example.com", AuthMethod.DEVICE)), server.sent.toList())
        step as SignInStep.ShowCode
        assertEquals("ABCD-1234", step.userCode)
        assertEquals("https://forge.example.com/device", step.openUrl)
        assertTrue("ABCD-1234" in step.message && "Forge" in step.message && "15 min" in step.message, step.message)
    }

    @Test
    fun `pkce returns the URL to open`() {
        val server = Server(SignInResult(SignInResult.STATE_PENDING, browserUrl = "https://forge.example.com/oauth/authorize?x=1"))
        val step = run(server, SignInChoice(forge, null), pkce)
        assertEquals(SignInParams("forge", null, AuthMethod.PKCE), server.sent.single())
        assertInstanceOf(SignInStep.OpenBrowser::class.java, step)
        assertEquals("https://forge.example.com/oauth/authorize?x=1", step.openUrl)
    }

    @Test
    fun `pasted secrets are sent, basic with the user name, and the field's array is cleared`() {
        val server = Server(SignInResult(SignInResult.STATE_SIGNED_IN, account = "mia@example.com"))
        val secret = " t0ken-value\n".toCharArray()
        val step = run(server, SignInChoice(tracker, "acme.tracker.example"), basic, secret, " mia@example.com ")
        assertEquals(SignInParams("tracker", "acme.tracker.example", AuthMethod.BASIC, "t0ken-value", "mia@example.com"), server.sent.single())
        assertTrue(secret.all { it == '\u0000' }, "the secret's array was not cleared")
        assertEquals("Signed in to Tracker as mia@example.com", step.message)
        assertEquals("mia@example.com", (step as SignInStep.SignedIn).account)

        server.sent.clear()
        run(server, SignInChoice(tracker, null), apiKey, "k3y".toCharArray(), username = "not sent")
        assertEquals(SignInParams("tracker", null, AuthMethod.API_KEY, "k3y", null), server.sent.single())
        assertEquals(SecretRequest("API token", "email", null), SecretRequest.of(basic))
        assertNull(SecretRequest.of(device))
    }

    @Test
    fun `nothing is sent without the secret, the user name, or for a method the connector lacks`() {
        val server = Server()
        val noSecret = run(server, SignInChoice(tracker, null), apiKey, "  ".toCharArray())
        assertEquals("No API key was given", noSecret.message)
        val noUser = run(server, SignInChoice(tracker, null), basic, "t".toCharArray(), "")
        assertEquals("No email was given", noUser.message)
        val lacking = run(server, SignInChoice(tracker, null), device)
        assertInstanceOf(SignInStep.Failed::class.java, lacking)
        assertEquals(emptyList<SignInParams>(), server.sent.toList())
    }

    @Test
    fun `the server's refusals and cancellations are steps too`() {
        val refused = run(Server(SignInResult(SignInResult.STATE_FAILED, message = "401 Bad credentials")), SignInChoice(forge, null), token, "x".toCharArray())
        assertEquals(SignInStep.Failed("401 Bad credentials"), refused)
        val cancelled = run(Server(SignInResult(SignInResult.STATE_CANCELLED)), SignInChoice(forge, null), pkce)
        assertTrue((cancelled as SignInStep.Failed).cancelled)
        assertNull(cancelled.openUrl)
    }
}
