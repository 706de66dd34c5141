package dev.tieline.client

/**
 * What the status-bar widget shows for a `tieline/status` answer; [joinUrl] is where a click
 * goes when the next meeting has a link.
 */
data class StatusSummary(val text: String, val state: String, val tooltip: String, val joinUrl: String? = null) {
    companion object {
        private const val TITLE_MAX = 40

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
                // Accounts are whatever the service calls them (a login, an email, team/user).
                val who = listOfNotNull(c.account, c.host).joinToString(" on ")
                val detail = c.lastError?.let { ": $it" }.orEmpty()
                "${c.connector}${if (who.isEmpty()) "" else " ($who)"} — ${c.state}$detail"
            }.ifEmpty { "No integrations configured" }
            val m = status.nextMeeting ?: return StatusSummary(text, status.overall, tooltip)
            val title = if (m.title.length > TITLE_MAX) m.title.take(TITLE_MAX - 1) + "…" else m.title
            val on = m.providerName?.let { " on $it" }.orEmpty()
            val next = "Next: ${m.title}, ${m.until}$on" + (m.joinUrl?.let { " (click to join)" }.orEmpty())
            return StatusSummary("$text · $title ${m.until}", status.overall, "$next\n$tooltip", m.joinUrl)
        }
    }
}

/** Command ids the server offers through `workspace/executeCommand`. */
object TielineCommands {
    /** Poll every service now; changed panels follow as `tieline/panel/changed`. */
    const val REFRESH = "tieline.refresh"
}
