package dev.tieline.client

import java.time.Duration
import java.time.Instant
import java.time.OffsetDateTime

/**
 * What the status-bar widget shows for a `tieline/status` answer; [joinUrl] is where a click
 * goes when the next meeting has a link, and while [focus] is on a click offers
 * [FocusChoice.of] instead (stopping or extending focus matters more than a meeting's link,
 * which the choices still carry). While a folder is linked to a drive, [docsync] is its sync:
 * the text says the folder and the conflicts waiting, the tooltip each link's state. While a
 * team hub is configured, [teamHub] is its link ([TeamHubView]): in the text only when it
 * needs the person (unreachable, or its token refused), always in the tooltip.
 */
data class StatusSummary(
    val text: String,
    val state: String,
    val tooltip: String,
    val joinUrl: String? = null,
    val focus: FocusStatus? = null,
    val docsync: DocSyncStatus? = null,
    val teamHub: TeamHubView? = null,
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
            val hub = TeamHubView.of(status.teamHub, now)
            return StatusSummary(
                text = listOfNotNull(
                    health,
                    f?.let { "Focus ${it.untilText}" },
                    d?.let { docsyncText(it) },
                    hub?.takeIf { it.severity != null }?.text,
                    meeting,
                ).joinToString(" · "),
                state = status.overall,
                tooltip = listOfNotNull(
                    f?.let { focusTooltip(it) },
                    next,
                    d?.let { docsyncTooltip(it, now) },
                    hub?.tooltip,
                    connectors,
                ).joinToString("\n"),
                joinUrl = m?.joinUrl,
                focus = f,
                docsync = d,
                teamHub = hub,
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
 * The team hub link for a status bar: [text] at a glance, [tooltip] with the host, the last
 * event and the lag, and [severity] `warning` only when the person loses something — the hub
 * is unreachable (services are polled as usual, so nothing is missed, only later) or it refused
 * its token (nothing retries until a new one is stored, so the tooltip says how). Pure, so the
 * plugin's widget and tests read the same words as the VS Code shell's status item.
 */
data class TeamHubView(
    val text: String,
    val tooltip: String,
    val severity: String? = null,
) {
    companion object {
        const val WARNING = "warning"

        /** What stores a new token (server/cli_teamhub.py). */
        const val TOKEN_COMMAND = "tieline teamhub token"

        /** Null when no team hub is configured, the link is off, or its state is one this client does not know. */
        fun of(t: TeamHubStatus?, now: Instant = Instant.now()): TeamHubView? {
            t ?: return null
            val host = host(t.url)
            val since = StatusSummary.ago(t.since, now)
            val why = t.lastError?.let { ": $it" }.orEmpty()
            return when (t.state) {
                TeamHubStatus.CONNECTED -> {
                    val lines = mutableListOf("Team hub: live — changes from $host are pushed; services are polled only as a safety net.")
                    if (since != null) lines += "Connected $since."
                    lines += t.lastEventId?.let { id ->
                        "Last event: $id${lag(t.lagSeconds)?.let { ", $it behind the hub" }.orEmpty()}."
                    } ?: "No event yet."
                    TeamHubView("Team hub: live", lines.joinToString("\n"))
                }
                TeamHubStatus.CONNECTING -> TeamHubView(
                    "Team hub: connecting…",
                    "Team hub: connecting to $host…" + t.lastEventId?.let { "\nResuming after event $it." }.orEmpty(),
                )
                TeamHubStatus.FALLBACK -> TeamHubView(
                    "Team hub unreachable — polling",
                    "Team hub $host unreachable${since?.let { " (since $it)" }.orEmpty()}$why.\n" +
                        "Services are polled as usual; the link reconnects by itself and catches up.",
                    WARNING,
                )
                TeamHubStatus.AUTH_REQUIRED -> TeamHubView(
                    "Team hub: token needed",
                    "Team hub $host needs a new token$why.\n" +
                        "Run `$TOKEN_COMMAND` in a terminal to store one; the server tries it within half a minute.\n" +
                        "Until then, services are polled as usual.",
                    WARNING,
                )
                else -> null // "off", or a state a newer server added
            }
        }

        /** The hub's host ("hub.example.com"); the URL as sent when it has none. */
        private fun host(url: String?): String {
            url ?: return "the team hub"
            val uri = runCatching { java.net.URI(url) }.getOrNull()
            val host = uri?.host?.takeIf { it.isNotEmpty() } ?: return url
            return if (uri.port == -1) host else "$host:${uri.port}"
        }

        /** "under a second", "4 s", "3 min": how far behind the hub the last event arrived. */
        private fun lag(seconds: Double?): String? = when {
            seconds == null || seconds.isNaN() || seconds < 0 -> null
            seconds < 1 -> "under a second"
            seconds < 120 -> "${Math.round(seconds)} s"
            else -> "${Math.round(seconds / 60)} min"
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
