/*
 * The CI panel's shell logic, without IntelliJ (the plugin's CiUi.kt only wires it to menus,
 * a dialog and an editor tab):
 *  - what a CI tree item offers: the actions its `contextValue` allows (the server's
 *    `can.<action>` words), its log, its page ([CiMenu]);
 *  - `tieline/ci/act`, `tieline/ci/triggers` and `tieline/ci/trigger` ([Ci]), a trigger's
 *    inputs as typed fields with defaults and choices ([TriggerForm]);
 *  - a job's log read page by page through `tieline/log` and read on when the server says it
 *    changed (`tieline/log/changed`) ([LogReader], in CiLog.kt).
 */
package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException

/** Where the CI model sends its requests: the server, or anything that answers like it. */
interface CiSource {
    fun ciAct(params: CIActParams): CompletableFuture<CIActResult>
    fun ciTriggers(params: CITriggersParams): CompletableFuture<CITriggersResult>
    fun ciTrigger(params: CITriggerParams): CompletableFuture<CITriggerResult>
    fun log(params: LogParams): CompletableFuture<LogResult>

    companion object {
        fun of(server: TielineServerApi): CiSource = object : CiSource {
            override fun ciAct(params: CIActParams) = server.ciAct(params)
            override fun ciTriggers(params: CITriggersParams) = server.ciTriggers(params)
            override fun ciTrigger(params: CITriggerParams) = server.ciTrigger(params)
            override fun log(params: LogParams) = server.log(params)
        }

        /** A source that asks [server] for the running server on each request (LSP4IJ starts it on demand). */
        fun lazy(server: () -> CompletableFuture<out TielineServerApi>): CiSource = object : CiSource {
            override fun ciAct(params: CIActParams) = server().thenCompose { it.ciAct(params) }
            override fun ciTriggers(params: CITriggersParams) = server().thenCompose { it.ciTriggers(params) }
            override fun ciTrigger(params: CITriggerParams) = server().thenCompose { it.ciTrigger(params) }
            override fun log(params: LogParams) = server().thenCompose { it.log(params) }
        }
    }
}

/** One `tieline/ci/act` action as a menu shows it. */
data class CiActionSpec(val action: String, val title: String)

/** What a CI tree item's menu offers. */
sealed interface CiEntry {
    val title: String

    /** `tieline/ci/act` with [action] on the item. */
    data class Act(val action: String, override val title: String) : CiEntry

    /** The job's log, a `tieline-log:` URI for [LogReader]. */
    data class OpenLog(val uri: String) : CiEntry {
        override val title get() = "Open Log"
    }

    data class OpenInBrowser(val url: String) : CiEntry {
        override val title get() = "Open in Browser"
    }
}

/**
 * Which actions a CI node allows, read from the server's `can.<action>` words of its
 * `contextValue` (the server puts there exactly what will work now, so nothing else is shown).
 */
object CiMenu {
    /** The actions in the order a context menu lists them, with their titles. */
    val ACTIONS: List<CiActionSpec> = listOf(
        CiActionSpec(CIAction.RERUN, "Re-run"),
        CiActionSpec(CIAction.RERUN_FAILED, "Re-run Failed Jobs"),
        CiActionSpec(CIAction.RETRY, "Retry"),
        CiActionSpec(CIAction.PLAY, "Run"),
        CiActionSpec(CIAction.CANCEL, "Cancel"),
    )

    const val LOG_SCHEME = "tieline-log"

    /** The actions a `contextValue` allows (its `can.<action>` words), in [ACTIONS] order. */
    fun allowed(contextValue: String?): List<String> {
        val words = contextValue.orEmpty().split(Regex("\\s+")).toSet()
        return ACTIONS.map { it.action }.filter { "can.$it" in words }
    }

    fun allowed(item: TreeItem): List<String> = allowed(item.contextValue)

    fun allows(item: TreeItem, action: String): Boolean = action in allowed(item)

    /** What `tieline/ci/act` is given for [item]: its `ciItem`, else its id (the server reads both). */
    fun target(item: TreeItem): String = item.ciItem?.takeIf { it.isNotEmpty() } ?: item.id

    /** The item's log URI, when it is a job with one. */
    fun logUri(item: TreeItem): String? = item.logUri?.takeIf { it.startsWith("$LOG_SCHEME:") }

    /** Everything [item]'s menu offers: its log, the actions it allows now, its page. */
    fun entries(item: TreeItem): List<CiEntry> = buildList {
        logUri(item)?.let { add(CiEntry.OpenLog(it)) }
        val allowed = allowed(item)
        ACTIONS.filter { it.action in allowed }.forEach { add(CiEntry.Act(it.action, it.title)) }
        item.url?.takeIf { it.isNotBlank() }?.let { add(CiEntry.OpenInBrowser(it)) }
    }
}

/** A trigger input as a form field: how it is entered, what it starts as, what it may be. */
data class TriggerField(
    val input: CITriggerInput,
    val kind: Kind,
    /** The value the field starts with: the input's default, else empty (or a required choice's first). */
    val initial: String,
    /** For [Kind.CHOICE]: the values offered, the default first; "" (leave empty) where that is allowed. */
    val choices: List<String> = emptyList(),
) {
    enum class Kind { TEXT, PASSWORD, NUMBER, CHOICE }

    val name: String get() = input.name

    /** A label for the field, "(required)" added where it is. */
    val label: String get() = input.name + if (input.required) " (required)" else ""

    /** Why [value] will not do, or null when it will. */
    fun problem(value: String): String? = when {
        value.isEmpty() -> if (input.required) "${input.name} is required" else null
        kind == Kind.NUMBER && !NUMBER.matches(value.trim()) -> "${input.name} must be a number"
        kind == Kind.CHOICE && value !in choices -> "${input.name} must be one of ${choices.filter { it.isNotEmpty() }.joinToString()}"
        else -> null
    }

    companion object {
        private val NUMBER = Regex("""[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?""")

        fun of(input: CITriggerInput): TriggerField {
            val fixed = when (input.type) {
                CITriggerInput.TYPE_BOOLEAN -> listOf("true", "false")
                CITriggerInput.TYPE_CHOICE, CITriggerInput.TYPE_ENVIRONMENT -> input.options.takeIf { it.isNotEmpty() }
                else -> null
            }
            val default = input.default
            if (fixed != null) {
                val ordered = if (default != null) listOf(default) + (fixed - default) else fixed
                val choices = if (!input.required && default == null) listOf("") + ordered else ordered
                return TriggerField(input, Kind.CHOICE, default ?: choices.first(), choices)
            }
            val kind = when (input.type) {
                CITriggerInput.TYPE_PASSWORD -> Kind.PASSWORD
                CITriggerInput.TYPE_NUMBER -> Kind.NUMBER
                else -> Kind.TEXT
            }
            return TriggerField(input, kind, default.orEmpty())
        }
    }
}

/**
 * "Run Pipeline…": a trigger's inputs as [fields]. The dialog shows each field with its
 * [TriggerField.initial] value, checks the values with [problems], and [params] turns them
 * into `tieline/ci/trigger`'s: inputs left empty and not required are not sent (the service
 * applies its own default).
 */
class TriggerForm(val trigger: CITrigger) {
    val fields: List<TriggerField> = trigger.inputs.map { TriggerField.of(it) }

    /** The starting values, by input name. */
    fun initialValues(): Map<String, String> = fields.associate { it.name to it.initial }

    /** Each input's problem with [values] (a missing value counts as empty), by input name. */
    fun problems(values: Map<String, String>): Map<String, String> =
        fields.mapNotNull { f -> f.problem(values[f.name].orEmpty())?.let { f.name to it } }.toMap()

    /** The request for [values]; throws [IllegalArgumentException] naming what is wrong with them. */
    fun params(values: Map<String, String>, branch: String? = trigger.branch): CITriggerParams {
        val problems = problems(values)
        require(problems.isEmpty()) { problems.values.joinToString("; ") }
        val inputs = fields.mapNotNull { f ->
            val v = values[f.name].orEmpty().let { if (f.kind == TriggerField.Kind.NUMBER) it.trim() else it }
            v.takeIf { it.isNotEmpty() }?.let { f.name to it }
        }.toMap()
        return CITriggerParams(trigger = trigger.id, branch = branch, inputs = inputs)
    }

    companion object {
        /** How a trigger is listed in a chooser: its name, service, scope and branch. */
        fun describe(t: CITrigger): String =
            t.name + " — " + listOfNotNull(t.serviceName, t.scope, t.branch?.let { "on $it" }).filter { it.isNotEmpty() }.joinToString(" · ")
    }
}

/** The CI requests for a UI: actions on panel items, triggers with their inputs, logs. */
class Ci(private val source: CiSource) {
    /** Job logs, read through `tieline/log`; route `tieline/log/changed` to [LogReader.changed]. */
    val logs = LogReader(source)

    /** `tieline/ci/act` with [action] on a CI panel item (its `ciItem`). */
    fun act(item: TreeItem, action: String): CompletableFuture<CIActResult> =
        source.ciAct(CIActParams(item = CiMenu.target(item), action = action))

    /** The pipelines that can be started by hand (of [folder], a workspace folder URI; null: all). */
    fun triggers(folder: String? = null): CompletableFuture<List<CITrigger>> =
        source.ciTriggers(CITriggersParams(folder)).thenApply { it.triggers }

    /** Starts [form]'s trigger with [values] (checked first: a bad value fails without a request). */
    fun trigger(form: TriggerForm, values: Map<String, String>, branch: String? = form.trigger.branch): CompletableFuture<CITriggerResult> {
        val params = try {
            form.params(values, branch)
        } catch (e: IllegalArgumentException) {
            return CompletableFuture.failedFuture(e)
        }
        return source.ciTrigger(params)
    }

    companion object {
        /** What a failed request says, for a notification: the server's message where it sent one. */
        fun message(error: Throwable): String {
            var cause = error
            while (cause is CompletionException && cause.cause != null) cause = cause.cause!!
            return (cause as? ResponseErrorException)?.responseError?.message ?: cause.message ?: cause.javaClass.simpleName
        }
    }
}
