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
