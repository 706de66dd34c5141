package dev.tieline.client

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Instant

class StatusTest {
    @Test
    fun `the widget names problems and who has them`() {
        val s = StatusSummary.of(
            StatusResult(
                HealthState.DEGRADED,
                listOf(
                    ConnectorStatus("github", "github.com", "octocat", HealthState.FAILING, lastError = "401 Bad credentials"),
                    ConnectorStatus("jira", state = HealthState.HEALTHY),
                ),
            ),
        )
        assertEquals("Tieline: 1 problem", s.text)
        assertEquals("github (octocat on github.com) — failing: 401 Bad credentials\njira — healthy", s.tooltip)
        assertEquals("Tieline", StatusSummary.of(StatusResult(HealthState.HEALTHY)).text)
    }

    @Test
    fun `the next meeting is in the widget, and a click joins it where it has a link`() {
        val meeting = NextMeeting("caldav:h:work:e1", "Standup", until = "in 5 min", service = "caldav",
            joinUrl = "https://meet.example.test/abc", providerName = "Google Meet")
        val s = StatusSummary.of(StatusResult(HealthState.HEALTHY, nextMeeting = meeting))
        assertEquals("Tieline · Standup in 5 min", s.text)
        assertEquals("Next: Standup, in 5 min on Google Meet (click to join)\nNo integrations configured", s.tooltip)
        assertEquals("https://meet.example.test/abc", s.joinUrl)
        val long = StatusSummary.of(StatusResult(HealthState.HEALTHY, nextMeeting = meeting.copy(title = "x".repeat(60), joinUrl = null)))
        assertEquals(null, long.joinUrl)
        assertEquals("Tieline · ${"x".repeat(39)}… in 5 min", long.text)
    }

    private val focus = FocusStatus(
        until = "2026-12-02T15:30:00Z",
        untilText = "until 15:30",
        reason = "manual",
        why = "started in the editor",
        statusText = "Focusing",
        accounts = listOf(FocusAccount("slack", "ana", "focusing")),
    )

    @Test
    fun `focus is in the widget until when, with why and each account in the tooltip`() {
        val s = StatusSummary.of(StatusResult(HealthState.HEALTHY, focus = focus))
        assertEquals("Tieline · Focus until 15:30", s.text)
        assertEquals(
            "Focus until 15:30: started in the editor\nYour status says \"Focusing\".\n" +
                "slack (ana) — notifications held\nClick to stop or extend focus.\nNo integrations configured",
            s.tooltip,
        )
        assertEquals(focus, s.focus)
        assertEquals(null, StatusSummary.of(StatusResult(HealthState.HEALTHY)).focus)
    }

    @Test
    fun `an account not holding notifications yet says why, and a calendar block says stop ends it only`() {
        val f = focus.copy(
            reason = "calendar",
            why = "Deep work (calendar)",
            accounts = listOf(
                FocusAccount("microsoft", "ana@acme.test", "starting", lastError = "Graph is unavailable (503)"),
                FocusAccount("discord", "ana#1", "waiting"),
            ),
        )
        val lines = StatusSummary.of(StatusResult(HealthState.HEALTHY, focus = f)).tooltip.split("\n")
        assertEquals(
            listOf(
                "Focus until 15:30: Deep work (calendar)",
                "Your status says \"Focusing\".",
                "microsoft (ana@acme.test) — being told (retried while it fails): Graph is unavailable (503)",
                "discord (ana#1) — not connected; its status is put back once it is",
                "Click to stop (this block only) or extend focus.",
                "No integrations configured",
            ),
            lines,
        )
    }

    @Test
    fun `focus and the next meeting share the widget, and a click offers the focus choices with Join`() {
        val meeting = NextMeeting("caldav:h:work:e1", "Standup", until = "in 5 min", service = "caldav",
            joinUrl = "https://meet.example.test/abc")
        val s = StatusSummary.of(StatusResult(HealthState.HEALTHY, nextMeeting = meeting, focus = focus))
        assertEquals("Tieline · Focus until 15:30 · Standup in 5 min", s.text)
        // the click is the focus choices', so the meeting line does not promise a join
        assertEquals("Next: Standup, in 5 min", s.tooltip.split("\n")[4])
        val choices = FocusChoice.of(s, Instant.parse("2026-12-02T15:10:30Z"))
        assertEquals(
            listOf(
                FocusChoice("Stop Focus", TielineCommands.STOP_FOCUS),
                // 19.5 minutes left: 20 + 25, so it never ends early
                FocusChoice("Extend by 25 minutes", TielineCommands.START_FOCUS, listOf(45)),
                FocusChoice("Extend by 50 minutes", TielineCommands.START_FOCUS, listOf(70)),
                FocusChoice("Join the next meeting", url = "https://meet.example.test/abc"),
            ),
            choices,
        )
        assertEquals(emptyList<FocusChoice>(), FocusChoice.of(StatusSummary.of(StatusResult(HealthState.HEALTHY)), Instant.now()))
    }

    @Test
    fun `extend starts from now once the period is over and never past a day, and a calendar stop says so`() {
        val over = FocusChoice.of(StatusSummary.of(StatusResult(focus = focus)), Instant.parse("2026-12-02T16:00:00Z"))
        assertEquals(listOf(25), over[1].arguments)
        val late = StatusSummary.of(StatusResult(focus = focus.copy(until = "2026-12-03T16:00:00+01:00")))
        // 1410 minutes left: + 25 fits Start Focus's 1440, + 50 does not
        assertEquals(
            listOf(emptyList(), listOf(1435)),
            FocusChoice.of(late, Instant.parse("2026-12-02T15:30:00Z")).map { it.arguments },
        )
        val calendar = StatusSummary.of(StatusResult(focus = focus.copy(reason = "calendar", until = "soon")))
        assertEquals(
            listOf(FocusChoice("Stop Focus (this block only)", TielineCommands.STOP_FOCUS)),
            FocusChoice.of(calendar, Instant.now()),
        )
    }

    private val link = DocSyncLink("docs", "google", "/Documents/docs", lastSync = "2026-12-02T15:25:00Z")
    private val now = Instant.parse("2026-12-02T15:30:00Z")

    @Test
    fun `folder sync is in the widget while a folder is linked, with the conflicts waiting`() {
        val idle = StatusSummary.of(StatusResult(HealthState.HEALTHY, docsync = DocSyncStatus(linked = 1, links = listOf(link))), now)
        assertEquals("Tieline · Sync: docs", idle.text)
        assertEquals("docs ↔ google:/Documents/docs: synced 5 min ago\nNo integrations configured", idle.tooltip)
        val two = link.copy(conflicts = 2)
        val waiting = StatusSummary.of(
            StatusResult(HealthState.HEALTHY, docsync = DocSyncStatus(linked = 1, conflicts = 2, links = listOf(two))),
            now,
        )
        assertEquals("Tieline · Sync: docs, 2 conflicts", waiting.text)
        assertEquals("docs ↔ google:/Documents/docs: synced 5 min ago, 2 conflicts to resolve", waiting.tooltip.split("\n")[0])
        assertEquals(2, waiting.docsync?.conflicts)
        // nothing linked (absent, or none): no word of it
        assertEquals("Tieline", StatusSummary.of(StatusResult(HealthState.HEALTHY)).text)
        assertEquals(null, StatusSummary.of(StatusResult(HealthState.HEALTHY, docsync = DocSyncStatus(linked = 0))).docsync)
    }

    @Test
    fun `a running round, a stopped link and one not signed in say so, and why`() {
        val links = listOf(
            link.copy(state = DocSyncStatus.SYNCING),
            DocSyncLink("specs", "microsoft", "/specs", DocSyncStatus.ERROR, conflicts = 1, lastError = "sync stopped: 503"),
            DocSyncLink("notes", "google", "/notes", DocSyncLink.OFFLINE, lastError = "not signed in to google"),
            link.copy(folder = "new", lastSync = null),
        )
        val s = StatusSummary.of(
            StatusResult(HealthState.HEALTHY, docsync = DocSyncStatus(DocSyncStatus.SYNCING, 4, 1, links = links)),
            now,
        )
        assertEquals("Tieline · Syncing 4 folders…, 1 conflict", s.text)
        assertEquals(
            listOf(
                "docs ↔ google:/Documents/docs: syncing now",
                "specs ↔ microsoft:/specs: stopped — sync stopped: 503, 1 conflict to resolve",
                "notes ↔ google:/notes: not syncing — not signed in to google",
                "new ↔ google:/Documents/docs: not synced yet",
                "No integrations configured",
            ),
            s.tooltip.split("\n"),
        )
        val stopped = StatusSummary.of(
            StatusResult(HealthState.HEALTHY, docsync = DocSyncStatus(DocSyncStatus.ERROR, 1, 1, links = links.subList(1, 2))),
            now,
        )
        assertEquals("Tieline · Sync stopped: specs, 1 conflict", stopped.text)
    }

    @Test
    fun `how long ago reads at a glance`() {
        assertEquals("just now", StatusSummary.ago("2026-12-02T15:29:45Z", now))
        assertEquals("30 min ago", StatusSummary.ago("2026-12-02T15:00:00Z", now))
        assertEquals("3 h ago", StatusSummary.ago("2026-12-02T12:30:00+00:00", now))
        assertEquals("1 day ago", StatusSummary.ago("2026-12-01T15:30:00Z", now))
        assertEquals("2 days ago", StatusSummary.ago("2026-11-30T15:30:00Z", now))
        assertEquals("just now", StatusSummary.ago("2026-12-02T15:31:00Z", now)) // a clock a little ahead
        assertEquals(null, StatusSummary.ago(null, now))
        assertEquals(null, StatusSummary.ago("soon", now))
    }
}

class TeamHubViewTest {
    private val now = Instant.parse("2026-12-03T18:10:00Z")
    private val hub = TeamHubStatus(
        state = TeamHubStatus.CONNECTED,
        url = "https://hub.example.com/api/v1/events/stream",
        since = "2026-12-03T18:05:00Z",
    )

    @Test
    fun `nothing when no team hub is configured, the link is off, or its state is unknown`() {
        assertEquals(null, TeamHubView.of(null, now))
        assertEquals(null, TeamHubView.of(hub.copy(state = "off"), now))
        assertEquals(null, TeamHubView.of(hub.copy(state = "someday"), now))
        assertEquals(null, StatusSummary.of(StatusResult(HealthState.HEALTHY), now).teamHub)
    }

    @Test
    fun `live is quiet, with the host, the last event and the lag in the tooltip`() {
        val v = TeamHubView.of(hub.copy(lastEventId = "42", lagSeconds = 1.4), now)!!
        assertEquals("Team hub: live", v.text)
        assertEquals(null, v.severity)
        assertEquals(
            "Team hub: live — changes from hub.example.com are pushed; services are polled only as a safety net.\n" +
                "Connected 5 min ago.\nLast event: 42, 1 s behind the hub.",
            v.tooltip,
        )
        assertTrue("Last event: 7, under a second behind the hub." in TeamHubView.of(hub.copy(lastEventId = "7", lagSeconds = 0.2), now)!!.tooltip)
        assertTrue("Last event: 8, 5 min behind the hub." in TeamHubView.of(hub.copy(lastEventId = "8", lagSeconds = 300.0), now)!!.tooltip)
        assertTrue("No event yet." in TeamHubView.of(hub, now)!!.tooltip)
        assertTrue("from hub.example.com:8443 are" in TeamHubView.of(hub.copy(url = "https://hub.example.com:8443/s"), now)!!.tooltip)
        // The widget's text stays as it was: only the tooltip says the link is live.
        val s = StatusSummary.of(StatusResult(HealthState.HEALTHY, teamHub = hub.copy(lastEventId = "42")), now)
        assertEquals("Tieline", s.text)
        assertEquals(v.copy(tooltip = v.tooltip.replace(", 1 s behind the hub", "")), s.teamHub)
        assertTrue(s.tooltip.startsWith("Team hub: live"), s.tooltip)
        assertTrue(s.tooltip.endsWith("No integrations configured"), s.tooltip)
    }

    @Test
    fun `connecting says where a reconnect resumes`() {
        val v = TeamHubView.of(hub.copy(state = TeamHubStatus.CONNECTING, lastEventId = "41"), now)!!
        assertEquals(TeamHubView("Team hub: connecting…", "Team hub: connecting to hub.example.com…\nResuming after event 41."), v)
        assertEquals("Team hub: connecting to the team hub…", TeamHubView.of(hub.copy(state = TeamHubStatus.CONNECTING, url = null), now)!!.tooltip)
    }

    @Test
    fun `an unreachable hub warns with the error, in the widget's text too, and polling goes on`() {
        val t = hub.copy(state = TeamHubStatus.FALLBACK, lastError = "ConnectError: connection refused")
        assertEquals(
            TeamHubView(
                "Team hub unreachable — polling",
                "Team hub hub.example.com unreachable (since 5 min ago): ConnectError: connection refused.\n" +
                    "Services are polled as usual; the link reconnects by itself and catches up.",
                TeamHubView.WARNING,
            ),
            TeamHubView.of(t, now),
        )
        assertEquals("Tieline · Team hub unreachable — polling", StatusSummary.of(StatusResult(HealthState.HEALTHY, teamHub = t), now).text)
    }

    @Test
    fun `a refused token warns and says which command stores a new one`() {
        val v = TeamHubView.of(hub.copy(state = TeamHubStatus.AUTH_REQUIRED, lastError = "the hub refused the token (401)"), now)!!
        assertEquals("Team hub: token needed", v.text)
        assertEquals(TeamHubView.WARNING, v.severity)
        assertEquals(
            "Team hub hub.example.com needs a new token: the hub refused the token (401).\n" +
                "Run `tieline teamhub token` in a terminal to store one; the server tries it within half a minute.\n" +
                "Until then, services are polled as usual.",
            v.tooltip,
        )
    }
}
