/*
 * Signing in and out for any connector, with no service named here: what to offer comes from
 * `tieline/connectors`, what to do from the chosen AuthOption's method. The plugin's UI asks
 * for a choice and (for pasted methods) a secret in a field that never echoes it, then calls
 * [SignIn.run] and shows the [SignInStep] it gets back.
 */
package dev.tieline.client

import com.google.gson.JsonPrimitive
import java.util.concurrent.CompletableFuture

/** Where a sign-in goes: a connector and, when it serves several, one of its hosts. */
data class SignInTarget(val connector: String, val host: String? = null) {
    companion object {
        /** The server's command behind a panel's "Sign in to X" item: `[connector id, host]`. */
        const val COMMAND = "tieline.signIn"

        /** The target of a `tieline.signIn` command; null for any other command. */
        fun fromCommand(command: Command?): SignInTarget? {
            if (command?.command != COMMAND) return null
            val args = command.arguments.orEmpty()
            val connector = text(args.getOrNull(0)) ?: return null
            return SignInTarget(connector, text(args.getOrNull(1)))
        }

        /** LSP4J reads untyped JSON (command arguments) as Gson elements, not strings. */
        private fun text(arg: Any?): String? = when (arg) {
            is String -> arg
            is JsonPrimitive -> if (arg.isString) arg.asString else null
            else -> null
        }

        /** The target of a tree item that signs in (its command, else the connector it carries). */
        fun fromItem(item: TreeItem): SignInTarget? =
            fromCommand(item.command)
                ?: item.service?.takeIf { item.contextValue == CONTEXT_SIGN_IN }?.let { SignInTarget(it) }

        /** `contextValue` of the server's "Sign in to X" items. */
        const val CONTEXT_SIGN_IN = "signIn"
    }
}

/** One entry of a "Sign in to…" list: a connector, a host of it (if it has several) and its methods. */
data class SignInChoice(val connector: ConnectorInfo, val host: String?) {
    val label: String get() = if (host != null && connector.hosts.size > 1) "${connector.name} ($host)" else connector.name
    val options: List<AuthOption> get() = connector.auth

    companion object {
        /**
         * What a sign-in list offers: every enabled connector that is ready and has a way to
         * sign in, once per host when it serves several. Connectors that need a setting first
         * are in [notReady].
         */
        fun of(result: ConnectorsResult): List<SignInChoice> =
            result.connectors.filter { it.enabled && it.ready && it.auth.isNotEmpty() }.flatMap { c ->
                if (c.hosts.size > 1) c.hosts.map { SignInChoice(c, it) } else listOf(SignInChoice(c, c.hosts.firstOrNull()))
            }

        /** Enabled connectors that cannot sign in until a setting is made (a site's URL, say). */
        fun notReady(result: ConnectorsResult): List<ConnectorInfo> =
            result.connectors.filter { it.enabled && !it.ready }

        /** The choice for [target] (a tool-window item's), if the server lists that connector. */
        fun forTarget(result: ConnectorsResult, target: SignInTarget): SignInChoice? {
            val c = result.connectors.firstOrNull { it.id == target.connector } ?: return null
            return SignInChoice(c, target.host ?: c.hosts.firstOrNull())
        }
    }
}

/** What the UI must ask for before [SignIn.run] with a pasted method; null for browser and code flows. */
data class SecretRequest(val secretLabel: String, val usernameLabel: String?, val help: String?) {
    companion object {
        fun of(option: AuthOption): SecretRequest? {
            if (option.method !in AuthMethod.PASTED) return null
            val username = if (option.method == AuthMethod.BASIC) option.usernameLabel ?: "user name" else null
            return SecretRequest(option.secretLabel ?: option.label, username, option.help)
        }
    }
}

/** What a sign-in asks of the person next; [message] is ready to show. */
sealed interface SignInStep {
    val message: String

    /** A page to open in the browser, if any. */
    val openUrl: String? get() = null

    /** Device flow: show [userCode] and open [openUrl]; the server finishes in the background. */
    data class ShowCode(val userCode: String, override val openUrl: String, val expiresIn: Int, override val message: String) : SignInStep

    /** PKCE: open [openUrl]; the server's loopback receiver finishes in the background. */
    data class OpenBrowser(override val openUrl: String, override val message: String) : SignInStep

    /** Signed in now (a pasted secret was accepted). */
    data class SignedIn(val account: String?, override val message: String) : SignInStep

    /** The server is finishing on its own and will say so. */
    data class Waiting(override val message: String) : SignInStep

    /** Nothing happened; [cancelled] when the person declined (nothing to report as an error). */
    data class Failed(override val message: String, val cancelled: Boolean = false) : SignInStep

    companion object {
        /** The step a `tieline/auth/signIn` answer calls for; [service] names it in messages. */
        fun of(result: SignInResult, service: String): SignInStep {
            val code = result.deviceCode
            return when {
                result.state == SignInResult.STATE_SIGNED_IN -> SignedIn(
                    result.account,
                    "Signed in to $service" + result.account?.let { " as $it" }.orEmpty(),
                )
                result.state == SignInResult.STATE_CANCELLED ->
                    Failed(result.message ?: "Signing in to $service was cancelled", cancelled = true)
                result.state != SignInResult.STATE_PENDING ->
                    Failed(result.message ?: "Signing in to $service failed")
                code != null -> ShowCode(
                    code.userCode,
                    code.verificationUriComplete ?: code.verificationUri,
                    code.expiresIn,
                    "Enter the code ${code.userCode} at ${code.verificationUri} to sign in to $service" +
                        if (code.expiresIn > 0) " (it expires in ${maxOf(1, code.expiresIn / 60)} min)" else "",
                )
                result.browserUrl != null ->
                    OpenBrowser(result.browserUrl, "Finish signing in to $service in your browser")
                else -> Waiting(result.message ?: "Signing in to $service…")
            }
        }
    }
}

/**
 * Runs the chosen sign-in method. Device and PKCE send no secret and return the code to show
 * or the URL to open; `token` / `api_key` send [run]'s secret, `basic` the user name with it.
 * A missing secret, or a method the connector does not offer, fails here without a request.
 */
class SignIn(private val send: (SignInParams) -> CompletableFuture<SignInResult>) {
    constructor(server: TielineServerApi) : this(server::signIn)

    /**
     * [secret] is read once and then overwritten with zeros, so a password field's array does
     * not linger; pass null for device and PKCE.
     */
    fun run(
        choice: SignInChoice,
        option: AuthOption,
        secret: CharArray? = null,
        username: String? = null,
    ): CompletableFuture<SignInStep> {
        val connector = choice.connector
        try {
            if (connector.auth.none { it.method == option.method }) {
                return done(SignInStep.Failed("${connector.name} offers no sign-in by ${option.method}"))
            }
            val ask = SecretRequest.of(option)
            val params = if (ask == null) {
                SignInParams(connector.id, choice.host, option.method)
            } else {
                val token = secret?.let { String(it).trim() }
                if (token.isNullOrEmpty()) return done(SignInStep.Failed("No ${ask.secretLabel} was given"))
                val user = username?.trim()
                if (ask.usernameLabel != null && user.isNullOrEmpty()) {
                    return done(SignInStep.Failed("No ${ask.usernameLabel} was given"))
                }
                SignInParams(connector.id, choice.host, option.method, token, user.takeIf { ask.usernameLabel != null })
            }
            return send(params).thenApply { SignInStep.of(it, connector.name) }
        } finally {
            secret?.fill('\u0000')
        }
    }

    private fun done(step: SignInStep) = CompletableFuture.completedFuture(step)
}

/** One signed-in account, as a "Sign out of…" list shows it. */
data class SignOutChoice(val connector: String, val name: String, val host: String, val account: String) {
    val label: String get() = "$name: $account ($host)"
    val params: SignOutParams get() = SignOutParams(connector, host, account)

    /** What to tell the person after `tieline/auth/signOut` (the server adds what happens to the secret). */
    fun message(result: SignOutResult): String = when {
        !result.signedOut -> "$account was not signed in to $name here"
        result.revoked -> "Signed out of $name ($account); the token was revoked"
        else -> "Signed out of $name ($account)"
    }

    companion object {
        fun of(result: ConnectorsResult): List<SignOutChoice> =
            result.connectors.flatMap { c -> c.accounts.map { SignOutChoice(c.id, c.name, it.host, it.account) } }
    }
}
