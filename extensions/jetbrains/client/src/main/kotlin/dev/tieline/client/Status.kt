package dev.tieline.client

/** What the status-bar widget shows for a `tieline/status` answer. */
data class StatusSummary(val text: String, val state: String, val tooltip: String) {
    companion object {
        fun of(status: StatusResult): StatusSummary {
            val problems = status.connectors.filter {
                it.state == HealthState.DEGRADED || it.state == HealthState.FAILING
            }
            val text = when (status.overall) {
                HealthState.HEALTHY -> "Tieline"
                HealthState.DISABLED -> "Tieline: off"
                else -> "Tieline: ${problems.size} ${if (problems.size == 1) "problem" else "problems"}"
            }
            val tooltip = status.connectors.joinToString("\n") { c ->
                val who = listOfNotNull(c.host, c.account?.let { "@$it" }).joinToString(" ")
                val detail = c.lastError?.let { ": $it" }.orEmpty()
                "${c.connector}${if (who.isEmpty()) "" else " ($who)"} — ${c.state}$detail"
            }.ifEmpty { "No integrations configured" }
            return StatusSummary(text, status.overall, tooltip)
        }
    }
}

/** Command ids the server offers through `workspace/executeCommand`. */
object TielineCommands {
    /** Poll every service now; changed panels follow as `tieline/panel/changed`. */
    const val REFRESH = "tieline.refresh"
}

/** What to tell the user (and which page to open) for a `tieline/auth/signIn` answer. */
data class SignInPrompt(val message: String, val openUrl: String?, val failed: Boolean) {
    companion object {
        fun of(result: SignInResult): SignInPrompt {
            val device = result.deviceCode
            return when {
                result.state == SignInResult.STATE_SIGNED_IN ->
                    SignInPrompt("Signed in${result.account?.let { " as @$it" }.orEmpty()}", null, false)
                device != null -> SignInPrompt(
                    "Enter code ${device.userCode} at ${device.verificationUri} (expires in " +
                        "${device.expiresIn / 60} min)",
                    device.verificationUriComplete ?: device.verificationUri,
                    false,
                )
                result.browserUrl != null ->
                    SignInPrompt("Finish signing in in your browser", result.browserUrl, false)
                result.state == SignInResult.STATE_PENDING ->
                    SignInPrompt(result.message ?: "Signing in…", null, false)
                else -> SignInPrompt(result.message ?: "Sign-in ${result.state}", null, true)
            }
        }
    }
}
