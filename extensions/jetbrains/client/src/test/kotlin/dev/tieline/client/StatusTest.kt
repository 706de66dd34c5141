package dev.tieline.client

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
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
        assertEquals("github (github.com @octocat) — failing: 401 Bad credentials\njira — healthy", s.tooltip)
        assertEquals("Tieline", StatusSummary.of(StatusResult(HealthState.HEALTHY)).text)
    }

    @Test
    fun `sign-in prompts`() {
        val device = SignInPrompt.of(
            SignInResult(SignInResult.STATE_PENDING, DeviceCode("ABCD-1234", "https://github.com/login/device", expiresIn = 900)),
        )
        assertTrue(device.message.contains("ABCD-1234"))
        assertEquals("https://github.com/login/device", device.openUrl)
        assertEquals("Signed in as @octocat", SignInPrompt.of(SignInResult(SignInResult.STATE_SIGNED_IN, account = "octocat")).message)
        assertTrue(SignInPrompt.of(SignInResult(SignInResult.STATE_FAILED, message = "denied")).failed)
    }
}
