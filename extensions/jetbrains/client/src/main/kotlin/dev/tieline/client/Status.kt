package dev.tieline.client

import java.time.Duration
import java.time.Instant
import java.time.OffsetDateTime

/**
 * What the status-bar widget shows for a `tieline/status` answer; [joinUrl] is where a click
 * goes when the next meeting has a link, and while [focus] is on a click offers
 * [FocusChoice.of] instead (stopping or extending focus matters more than a meeting's link,
 * which the choices still carry). While a folder is linked to a drive, [docsync] is its sync:
 * the text says the folder and the conflicts waiting, the tooltip each link's state.
 */
data class StatusSummary(
    val text: String,
    val state: String,
    val tooltip: String,
    val joinUrl: String? = null,
    val focus: FocusStatus? = null,
    val docsync: DocSyncStatus? = null,
) {
    companion object {
        private const val TITLE_MAX = 40

        fun of(status: StatusResult, now: Instant = Instant.now()): StatusSummary {
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
            val d = status.docsync?.takeIf { it.linked > 0 }
            return StatusSummary(
                text = listOfNotNull(health, f?.let { "Focus ${it.untilText}" }, d?.let { docsyncText(it) }, meeting)
                    .joinToString(" · "),
                state = status.overall,
                tooltip = listOfNotNull(f?.let { focusTooltip(it) }, next, d?.let { docsyncTooltip(it, now) }, connectors)
                    .joinToString("\n"),
                joinUrl = m?.joinUrl,
                focus = f,
                docsync = d,
            )
        }

        private fun count(n: Int, one: String) = "$n $one${if (n == 1) "" else "s"}"

        /** "Sync: docs", "Sync: docs, 2 conflicts", "Syncing docs…", "Sync stopped: docs". */
        private fun docsyncText(d: DocSyncStatus): String {
            val what = if (d.links.size == 1) d.links[0].folder else count(d.linked, "folder")
            val conflicts = if (d.conflicts > 0) ", ${count(d.conflicts, "conflict")}" else ""
            return when (d.state) {
                DocSyncStatus.SYNCING -> "Syncing $what…$conflicts"
                DocSyncStatus.ERROR -> "Sync stopped: $what$conflicts"
                else -> "Sync: $what$conflicts"
            }
        }

        /** One line per link: where it goes, its state (and why), the conflicts to resolve. */
        private fun docsyncTooltip(d: DocSyncStatus, now: Instant): String = d.links.joinToString("\n") { l ->
            val where = "${l.folder} ↔ ${l.service}:${l.remote}"
            val why = l.lastError?.let { " — $it" }.orEmpty()
            val state = when (l.state) {
                DocSyncStatus.SYNCING -> "syncing now"
                DocSyncStatus.ERROR -> "stopped$why"
                DocSyncLink.OFFLINE -> "not syncing$why"
                else -> ago(l.lastSync, now)?.let { "synced $it" } ?: "not synced yet"
            }
            val conflicts = if (l.conflicts > 0) ", ${count(l.conflicts, "conflict")} to resolve" else ""
            "$where: $state$conflicts"
        }

        /** "just now", "5 min ago", "3 h ago", "2 days ago"; null for a time that does not parse. */
        fun ago(whenText: String?, now: Instant): String? {
            val at = whenText?.let { runCatching { OffsetDateTime.parse(it).toInstant() }.getOrNull() } ?: return null
            val min = Duration.between(at, now).toMinutes().coerceAtLeast(0)
            return when {
                min < 1 -> "just now"
                min < 60 -> "$min min ago"
                min < 24 * 60 -> "${min / 60} h ago"
                else -> "${count((min / (24 * 60)).toInt(), "day")} ago"
            }
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
