package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/** A job's log as a document shows it now. */
data class LogView(
    val uri: String,
    /** The text read so far, with a closing note where it stops short (too long, or a read failed). */
    val text: String,
    /** The whole log is in: the job has finished and every page was read. */
    val complete: Boolean,
    /** The step the server put first (a failed job), if any. */
    val failingStep: String? = null,
    /** Why the log could not be read (to its end). */
    val error: String? = null,
    /** [LogReader.cap] was reached: the rest is left out. */
    val capped: Boolean = false,
) {
    /** A running job's log, to be read on when the server says it grew. */
    val live: Boolean get() = !complete && error == null && !capped
}

/**
 * Job logs (`tieline-log:` URIs) read page by page through `tieline/log`, for an editor tab.
 *
 * [open] reads a log from offset 0, each page from the `nextOffset` the last one gave, until
 * the server says it is complete, or a page brings nothing new (a running job has written no
 * more: the server answers a read past the end when more arrives, or after a while with
 * nothing), or [cap] characters are in. The text is the server's: ANSI stripped and, once a
 * job has failed, its failing step first under a header line. Listeners hear a [LogView]
 * after the first page, every [batch] pages and when a read ends, so a long log shows while
 * it loads.
 *
 * `tieline/log/changed` goes to [changed]: a log being shown is read on from where it
 * stopped, or from 0 when its `version` changed (the server laid it out anew: the failing
 * step put first when the job failed). Reads of one log never overlap: a change during a
 * read makes one more read follow it. [pageChars] asks for pages of at most that many
 * characters (the server caps a page at its `ci.log_page_kb` in any case).
 */
class LogReader(
    private val source: CiSource,
    val pageChars: Int? = null,
    val cap: Int = LOG_CAP,
    val batch: Int = 4,
) {
    private class State(val uri: String) {
        val text = StringBuilder()
        var offset = 0
        var version: Int? = null
        var complete = false
        var failingStep: String? = null
        var error: String? = null
        var capped = false
        var reading: CompletableFuture<LogView>? = null
        var stale = false

        /** The server laid the log out anew: the next read starts over from 0. */
        var relaid = false

        fun reset(version: Int?) {
            text.setLength(0)
            offset = 0
            this.version = version
            complete = false
            failingStep = null
            error = null
            capped = false
        }

        fun view(): LogView {
            val tail = buildList {
                if (capped) add("… the log goes on past ${text.length / (1024 * 1024)} MB; open the job in the browser for the rest.")
                error?.let { add("… the log could not be read to its end: $it") }
            }
            val shown = if (tail.isEmpty()) {
                text.toString()
            } else {
                val sep = if (text.isEmpty() || text.endsWith("\n")) "" else "\n"
                "$text$sep${tail.joinToString("\n")}\n"
            }
            return LogView(uri, shown, complete, failingStep, error, capped)
        }
    }

    private val logs = ConcurrentHashMap<String, State>()
    private val listeners = CopyOnWriteArrayList<(LogView) -> Unit>()

    fun addListener(listener: (LogView) -> Unit): AutoCloseable {
        listeners.add(listener)
        return AutoCloseable { listeners.remove(listener) }
    }

    /** What is known of [uri] now (null: not opened, or forgotten). */
    fun view(uri: String): LogView? = logs[uri]?.let { synchronized(it) { it.view() } }

    /**
     * Shows [uri]: reads it (a log already read whole is not asked for again; a running one
     * is read on). Completes with the view when this read ends.
     */
    fun open(uri: String): CompletableFuture<LogView> {
        val s = logs.computeIfAbsent(uri) { State(it) }
        synchronized(s) {
            s.reading?.let { return it }
            if (s.version != null && !s.worthReading()) return CompletableFuture.completedFuture(s.view())
            return start(s)
        }
    }

    /**
     * The server's `tieline/log/changed` (or any reason to think a log grew): true when [uri]
     * is being shown and a read follows. A changed [version] starts it over from 0.
     */
    fun changed(uri: String, version: Int? = null): Boolean {
        val s = logs[uri] ?: return false
        synchronized(s) {
            val relaid = version != null && s.version != null && version != s.version
            if (!relaid && !s.worthReading()) return false
            if (relaid) s.relaid = true
            if (s.reading != null) {
                s.stale = true // the read in flight ends, then one more follows
            } else {
                start(s)
            }
            return true
        }
    }

    fun changed(params: LogChangedParams): Boolean = changed(params.uri, params.version)

    /** The document was closed: the log is no longer read on. */
    fun forget(uri: String) {
        logs.remove(uri)
    }

    /** A read may bring more: the log is not in whole yet, or the last read failed. */
    private fun State.worthReading() = error != null || (!complete && !capped)

    /** Called holding [s]'s lock, with no read in flight. */
    private fun start(s: State): CompletableFuture<LogView> {
        val done = CompletableFuture<LogView>()
        s.reading = done
        s.stale = false
        s.error = null
        if (s.relaid) {
            s.relaid = false
            s.reset(null)
        }
        page(s, done, pages = 1, restarts = 0)
        return done
    }

    private fun page(s: State, done: CompletableFuture<LogView>, pages: Int, restarts: Int) {
        val offset = synchronized(s) { s.offset }
        val request = try {
            source.log(LogParams(uri = s.uri, offset = offset, limit = pageChars))
        } catch (e: RuntimeException) {
            CompletableFuture.failedFuture(e)
        }
        request.whenComplete { r, error ->
            var next: Pair<Int, Int>? = null // (pages, restarts) of the next page, if one follows
            var emit = false
            synchronized(s) {
                if (logs[s.uri] !== s) return@synchronized // forgotten meanwhile
                if (error != null) {
                    s.error = Ci.message(error)
                    return@synchronized
                }
                if (s.version != null && r.version != s.version) {
                    // Laid out anew (the failing step found, a re-run): start over from 0.
                    val fromStart = s.offset == 0
                    s.reset(r.version)
                    if (!fromStart) {
                        if (restarts < MAX_RESTARTS) next = pages to restarts + 1
                        return@synchronized
                    }
                }
                s.version = r.version
                val room = cap - s.text.length
                s.text.append(if (r.text.length > room) r.text.substring(0, room) else r.text)
                val progressed = r.nextOffset > s.offset
                s.offset = r.nextOffset
                s.complete = r.complete
                s.failingStep = r.failingStep
                s.error = r.error
                when {
                    r.complete || r.error != null || !progressed -> {}
                    s.text.length >= cap -> s.capped = true
                    else -> {
                        next = pages + 1 to restarts
                        emit = pages == 1 || pages % batch == 0
                    }
                }
            }
            if (emit) tell(s)
            val more = next
            if (more != null) {
                page(s, done, more.first, more.second)
            } else {
                finish(s, done)
            }
        }
    }

    private fun finish(s: State, done: CompletableFuture<LogView>) {
        val view: LogView
        val again: Boolean
        synchronized(s) {
            s.reading = null
            again = s.stale && logs[s.uri] === s
            view = s.view()
            if (again) start(s)
        }
        if (!again) tell(view) // else the read that follows tells (a later view than this one)
        done.complete(view)
    }

    private fun tell(s: State) = tell(synchronized(s) { s.view() })

    private fun tell(view: LogView) = listeners.forEach { it(view) }

    companion object {
        /** Characters a log document holds at most; past it the document says where it stopped. */
        const val LOG_CAP = 32 * 1024 * 1024
        private const val MAX_RESTARTS = 3
    }
}
