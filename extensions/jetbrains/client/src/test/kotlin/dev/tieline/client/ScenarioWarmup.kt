package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import org.junit.platform.engine.support.descriptor.ClassSource
import org.junit.platform.launcher.TestExecutionListener
import org.junit.platform.launcher.TestPlan

/**
 * The three-services scenario shared by the tests that use it. Its stand-ins take several
 * seconds to start (they compile their services' contracts), so [ScenarioWarmup] starts it
 * when a test plan that needs it begins, and the earlier test classes run meanwhile.
 */
object SharedScenario {
    private var starting: CompletableFuture<Scenario>? = null
    private var dir: java.nio.file.Path? = null

    @Synchronized
    fun startInBackground() {
        if (starting != null) return
        val where = TestEnv.tempDir("scenario")
        dir = where
        starting = CompletableFuture.supplyAsync { Scenario(where) }
    }

    /** The running scenario, started now if nothing started it. */
    fun get(): Scenario {
        startInBackground()
        return synchronized(this) { starting!! }.get(180, TimeUnit.SECONDS)
    }

    /** Stops it (if it ran); returns the contract violations its stand-ins saw. */
    @Synchronized
    fun stop(): List<String> {
        val running = starting ?: return emptyList()
        starting = null
        return try {
            runCatching { running.get(180, TimeUnit.SECONDS) }.getOrNull()?.stop().orEmpty()
        } finally {
            dir?.let(TestEnv::deleteTree)
            dir = null
        }
    }
}

/** Registered in META-INF/services: warms [SharedScenario] for plans with a class that uses it. */
class ScenarioWarmup : TestExecutionListener {
    override fun testPlanExecutionStarted(testPlan: TestPlan) {
        val users = setOf(ThreeServicesTest::class.java.name)
        val needed = testPlan.roots.flatMap { testPlan.getDescendants(it) }
            .any { (it.source.orElse(null) as? ClassSource)?.className in users }
        if (needed) SharedScenario.startInBackground()
    }

    override fun testPlanExecutionFinished(testPlan: TestPlan) {
        SharedScenario.stop()
    }
}
