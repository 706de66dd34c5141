package dev.tieline.client

import java.time.Duration
import java.time.Instant
import java.time.OffsetDateTime

/**
 * What the status-bar widget shows for a `tieline/status` answer; [joinUrl] is where a click
 * goes when the next meeting has a link, and while [focus] is on a click offers
 * [FocusChoice.of] instead (stopping or extending focus matters more than a meeting's link,
 * which the choices still carry).
 */
data class StatusSummary(
    val text: String,
    val state: String,
    val tooltip: String,
    val joinUrl: String? = null,
    val focus: FocusStatus? = null,
) {
    companion object {
        private const val TITLE_MAX = 40

        fun of(status: StatusResult): StatusSummary {
            val problems = status.connectors.filter {
                it.state == HealthState.DEGRADED || it.state == HealthState.FAILING
            }
            val health = when (status.overall) {
                HealthState.HEALTHY -> "Tieline"
                HealthState.DISABLED -> "Tieline: off"
                else -> "Tieline: ${problems.size} ${if (problems.size == 1) "problem" else "problems"}"
            }
            val connectors = status.connectors.joinToString("\n") { c ->
                // Accounts are whatever the service calls them (a login, an email, team/user).
                val who = listOfNotNull(c.account, c.host).joinToString(" on ")
                val detail = c.lastError?.let { ": $it" }.orEmpty()
                "${c.connector}${if (who.isEmpty()) "" else " ($who)"} — ${c.state}$detail"
            }.ifEmpty { "No integrations configured" }
            val f = status.focus
            val m = status.nextMeeting
            val meeting = m?.let {
                val title = if (it.title.length > TITLE_MAX) it.title.take(TITLE_MAX - 1) + "…" else it.title
                "$title ${it.until}"
            }
            val next = m?.let {
                val on = it.providerName?.let { p -> " on $p" }.orEmpty()
                // While focusing a click offers the focus choices, Join among them.
                val click = if (it.joinUrl == null) "" else if (f == null) " (click to join)" else ""
                "Next: ${it.title}, ${it.until}$on$click"
            }
            return StatusSummary(
                text = listOfNotNull(health, f?.let { "Focus ${it.untilText}" }, meeting).joinToString(" · "),
                state = status.overall,
                tooltip = listOfNotNull(f?.let { focusTooltip(it) }, next, connectors).joinToString("\n"),
                joinUrl = m?.joinUrl,
                focus = f,
            )
        }

        /** What each chat account's focus state means to the person. */
        private fun accountWord(state: String): String = when (state) {
            "focusing" -> "notifications held"
            "starting" -> "being told (retried while it fails)"
            "restoring" -> "its status being put back (retried while it fails)"
            "waiting" -> "not connected; its status is put back once it is"
            else -> state
        }

        /** Until when and why, the status the services show, and each account's state. */
        private fun focusTooltip(f: FocusStatus): String {
            val lines = mutableListOf("Focus ${f.untilText}: ${f.why}", "Your status says \"${f.statusText}\".")
            for (a in f.accounts) {
                lines += "${a.connector} (${a.account}) — ${accountWord(a.state)}${a.lastError?.let { ": $it" }.orEmpty()}"
            }
            // Stopping a calendar block ends that block only; say so before the person clicks.
            lines += if (f.reason == "calendar") "Click to stop (this block only) or extend focus." else "Click to stop or extend focus."
            return lines.joinToString("\n")
        }
    }
}

/**
 * One choice the widget's click offers while focusing: a server command with its arguments,
 * or (with [url]) the next meeting's link to open.
 */
data class FocusChoice(
    val label: String,
    val command: String? = null,
    val arguments: List<Any?> = emptyList(),
    val url: String? = null,
) {
    companion object {
        /** Minutes "Extend" adds to the focus period. */
        val EXTEND_MINUTES = listOf(25, 50)

        /** `tieline.startFocus` takes 1 to 1440 minutes from now. */
        private const val MAX_MINUTES = 24 * 60

        /**
         * Stop, extend by each of [EXTEND_MINUTES], and join the next meeting when it has a link.
         * The server has no "extend": Start Focus takes minutes from now and lengthens focus
         * already on (never shortens it), so extending is starting for what is left plus the
         * extra, rounded up to the minute so it never ends early.
         */
        fun of(summary: StatusSummary, now: Instant): List<FocusChoice> {
            val focus = summary.focus ?: return emptyList()
            val stop = FocusChoice(
                if (focus.reason == "calendar") "Stop Focus (this block only)" else "Stop Focus",
                TielineCommands.STOP_FOCUS,
            )
            val join = summary.joinUrl?.let { listOf(FocusChoice("Join the next meeting", url = it)) }.orEmpty()
            // The server sends an ISO 8601 time with its offset; anything else offers no Extend.
            val until = runCatching { OffsetDateTime.parse(focus.until).toInstant() }.getOrNull()
                ?: return listOf(stop) + join
            val leftMs = Duration.between(now, until).toMillis().coerceAtLeast(0)
            val left = ((leftMs + 59_999) / 60_000).toInt()
            val extend = EXTEND_MINUTES.filter { left + it <= MAX_MINUTES }.map {
                FocusChoice("Extend by $it minutes", TielineCommands.START_FOCUS, listOf(left + it))
            }
            return listOf(stop) + extend + join
        }
    }
}

/** Command ids the server offers through `workspace/executeCommand`. */
object TielineCommands {
    /** Poll every service now; changed panels follow as `tieline/panel/changed`. */
    const val REFRESH = "tieline.refresh"

    /** Focus for a number of minutes from now (or `"next"`: until the next meeting); lengthens focus already on. */
    const val START_FOCUS = "tieline.startFocus"

    /** End focus now (a calendar block: that block only). */
    const val STOP_FOCUS = "tieline.stopFocus"
}
