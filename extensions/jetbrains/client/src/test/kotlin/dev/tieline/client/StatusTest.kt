package dev.tieline.client

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

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
}
