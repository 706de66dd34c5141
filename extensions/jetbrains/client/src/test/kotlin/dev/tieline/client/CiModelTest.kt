package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException
import org.eclipse.lsp4j.jsonrpc.messages.ResponseError
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The CI model's own decisions, with no server: what a `contextValue` allows, how a trigger's
 * inputs become fields and values, and how the log reader pages, starts over and reads on.
 * (CiTest runs the same model against the real server.)
 */
class CiModelTest {
    @Test
    fun `actions are the can words of contextValue, in menu order`() {
        assertEquals(listOf("rerun", "rerun_failed"), CiMenu.allowed("ci.failure pipeline can.rerun_failed can.rerun"))
        assertEquals(emptyList<String>(), CiMenu.allowed("ci.failure pipeline cannot.rerun xcan.retry"))
        assertEquals(emptyList<String>(), CiMenu.allowed(null))
        val job = TreeItem(id = "ci/j/x", label = "unit", contextValue = "ci.failure job log can.retry", ciItem = "x", logUri = "tieline-log:/gitlab/h/x/unit")
        assertEquals("x", CiMenu.target(job))
        assertEquals("ci/j/y", CiMenu.target(TreeItem(id = "ci/j/y")))
        assertEquals(listOf(CiEntry.OpenLog("tieline-log:/gitlab/h/x/unit"), CiEntry.Act("retry", "Retry")), CiMenu.entries(job))
        assertNull(CiMenu.logUri(job.copy(logUri = "file:///etc/passwd")))
    }

    private fun input(name: String, type: String = "string", required: Boolean = false, default: String? = null, options: List<String> = emptyList()) =
        CITriggerInput(name = name, type = type, required = required, default = default, options = options)

    @Test
    fun `a trigger's inputs are typed fields with their defaults and choices`() {
        val trigger = CITrigger(
            id = "release", name = "Release", branch = "main",
            inputs = listOf(
                input("version", required = true),
                input("env", "choice", default = "staging", options = listOf("prod", "staging")),
                input("dry", "boolean"),
                input("count", "number", default = "3"),
                input("secret", "password"),
                input("region", "environment"), // no options listed: typed in
                input("lane", "choice", required = true, options = listOf("a", "b")),
            ),
        )
        val form = TriggerForm(trigger)
        val f = form.fields.associateBy { it.name }
        assertEquals(TriggerField.Kind.CHOICE to listOf("staging", "prod"), f["env"]!!.kind to f["env"]!!.choices)
        assertEquals("staging", f["env"]!!.initial)
        assertEquals(listOf("", "true", "false"), f["dry"]!!.choices) // optional, no default: may stay empty
        assertEquals("", f["dry"]!!.initial)
        assertEquals(TriggerField.Kind.NUMBER to "3", f["count"]!!.kind to f["count"]!!.initial)
        assertEquals(TriggerField.Kind.PASSWORD, f["secret"]!!.kind)
        assertEquals(TriggerField.Kind.TEXT, f["region"]!!.kind)
        assertEquals(listOf("a", "b") to "a", f["lane"]!!.choices to f["lane"]!!.initial)

        val start = form.initialValues()
        assertEquals(mapOf("version" to "version is required"), form.problems(start))
        assertEquals(
            mapOf("count" to "count must be a number", "env" to "env must be one of staging, prod"),
            form.problems(start + mapOf("version" to "1", "count" to "three", "env" to "qa")),
        )
        val e = assertThrows<IllegalArgumentException> { form.params(start) }
        assertEquals("version is required", e.message)
        // Empty optional inputs are left to the service's defaults.
        assertEquals(
            CITriggerParams("release", "main", mapOf("version" to "2.0", "env" to "staging", "count" to "4", "lane" to "a")),
            form.params(start + mapOf("version" to "2.0", "count" to " 4 ")),
        )
        assertEquals("Release — GitLab · o/r · on main", TriggerForm.describe(trigger.copy(serviceName = "GitLab", scope = "o/r")))
    }

    /** A `tieline/log` that answers from a script: each call takes the next answer (or failure). */
    private class Script(vararg answers: Any) : CiSource {
        val asked = mutableListOf<LogParams>()
        private val queue = ArrayDeque(answers.toList())
        var hold: CompletableFuture<LogResult>? = null

        override fun log(params: LogParams): CompletableFuture<LogResult> {
            asked.add(params)
            hold?.let { hold = null; return it }
            return when (val next = queue.removeFirst()) {
                is LogResult -> CompletableFuture.completedFuture(next)
                else -> CompletableFuture.failedFuture(next as Throwable)
            }
        }

        override fun ciAct(params: CIActParams) = error("not here")
        override fun ciTriggers(params: CITriggersParams) = error("not here")
        override fun ciTrigger(params: CITriggerParams) = error("not here")
    }

    private fun <T> CompletableFuture<T>.now(): T = get(5, TimeUnit.SECONDS)

    @Test
    fun `the reader pages from each next offset and reads a running log on when it changes`() {
        val s = Script(
            LogResult("a\n", 2, complete = false, version = 1),
            LogResult("b\n", 4, complete = false, version = 1),
            LogResult("", 4, complete = false, version = 1), // nothing new yet: stop
            LogResult("c\n", 6, complete = true, total = 6, version = 1),
        )
        val reader = LogReader(s, pageChars = 100)
        val first = reader.open("tieline-log:/x/1").now()
        assertEquals("a\nb\n", first.text)
        assertTrue(first.live)
        assertEquals(listOf(0, 2, 4), s.asked.map { it.offset })
        assertTrue(s.asked.all { it.limit == 100 })

        assertFalse(reader.changed("tieline-log:/other", 1)) // not shown here
        assertTrue(reader.changed("tieline-log:/x/1", 1))
        assertTrue(eventually { reader.view("tieline-log:/x/1")?.complete == true })
        assertEquals("a\nb\nc\n", reader.view("tieline-log:/x/1")!!.text)
        assertEquals(4, s.asked.last().offset)
        assertFalse(reader.changed("tieline-log:/x/1", 1)) // complete: nothing to read on
        assertEquals(first.uri, reader.open("tieline-log:/x/1").now().uri)
        assertEquals(4, s.asked.size) // re-opened: not asked again
    }

    @Test
    fun `a new version starts over from 0, and a change during a read makes one more`() {
        val held = CompletableFuture<LogResult>()
        val s = Script(
            LogResult("run\n", 4, complete = false, version = 1),
            LogResult("", 4, complete = false, version = 1),
            // The job failed and the log was laid out anew.
            LogResult("=== Failing step: x\nrun\nboom\n", 31, complete = true, version = 2, failingStep = "x"),
        )
        val reader = LogReader(s)
        val seen = mutableListOf<String>()
        reader.addListener { synchronized(seen) { seen.add(it.text) } }
        assertEquals("run\n", reader.open("u").now().text)

        s.hold = held // the next read waits
        assertTrue(reader.changed("u", 1))
        assertTrue(reader.changed("u", 2)) // during the read: one more follows, from 0
        held.complete(LogResult("", 4, complete = false, version = 1)) // the read in flight ends
        assertTrue(eventually { reader.view("u")?.complete == true }, "${reader.view("u")}")
        val done = reader.view("u")!!
        assertEquals("=== Failing step: x\nrun\nboom\n", done.text)
        assertEquals("x", done.failingStep)
        assertEquals(listOf(0, 4, 4, 0), s.asked.map { it.offset })
        assertEquals(done.text, synchronized(seen) { seen.last() })
    }

    @Test
    fun `a failed read says why and is tried again, a capped log says where it stopped`() {
        val s = Script(
            ResponseErrorException(ResponseError(-32602, "'x' is not a job log URI", null)),
            LogResult("ok\n", 3, complete = true, version = 1),
        )
        val reader = LogReader(s)
        val failed = reader.open("x").now()
        assertEquals("'x' is not a job log URI", failed.error)
        assertTrue(failed.text.endsWith("… the log could not be read to its end: 'x' is not a job log URI\n"), failed.text)
        assertEquals("ok\n", reader.open("x").now().text) // opened again: read again

        val long = Script(LogResult("0123456789\n", 11, complete = false, version = 1), LogResult("more\n", 16, complete = true, version = 1))
        val capped = LogReader(long, cap = 5).open("big").now()
        assertTrue(capped.capped && !capped.live)
        assertTrue(capped.text.startsWith("01234\n… the log goes on past 0 MB"), capped.text)
        assertEquals(1, long.asked.size)
    }
}
