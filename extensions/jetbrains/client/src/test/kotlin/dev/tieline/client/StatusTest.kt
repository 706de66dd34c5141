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
}
