/*
 * The editor side of the connection when this module drives the server itself (tests, tools,
 * any host without LSP4IJ). Inside the IDE, LSP4IJ's LanguageClientImpl plays this role and the
 * plugin forwards the same two things to this module: tieline/panel/changed to a PanelTree, and
 * workspace/configuration to TielineSettings.
 */
package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.atomic.AtomicInteger
import org.eclipse.lsp4j.ApplyWorkspaceEditParams
import org.eclipse.lsp4j.ApplyWorkspaceEditResponse
import org.eclipse.lsp4j.ConfigurationParams
import org.eclipse.lsp4j.MessageActionItem
import org.eclipse.lsp4j.MessageParams
import org.eclipse.lsp4j.ProgressParams
import org.eclipse.lsp4j.PublishDiagnosticsParams
import org.eclipse.lsp4j.RegistrationParams
import org.eclipse.lsp4j.ShowDocumentParams
import org.eclipse.lsp4j.ShowDocumentResult
import org.eclipse.lsp4j.ShowMessageRequestParams
import org.eclipse.lsp4j.UnregistrationParams
import org.eclipse.lsp4j.WorkDoneProgressCreateParams

open class TielineLanguageClient(
    @Volatile var settings: TielineSettings = TielineSettings(),
) : TielineClientApi {
    private val panelListeners = CopyOnWriteArrayList<(PanelChangedParams) -> Unit>()

    /** `window/logMessage` and `window/showMessage` as they arrive, oldest first. */
    val messages = LinkedBlockingQueue<MessageParams>()

    /** `$/progress` notifications as they arrive, oldest first. */
    val progress = LinkedBlockingQueue<ProgressParams>()

    /** How many `workspace/configuration` requests the server made. */
    val configurationRequests = AtomicInteger()

    /** Call [listener] for every `tieline/panel/changed`; close the result to stop. */
    fun onPanelChanged(listener: (PanelChangedParams) -> Unit): AutoCloseable {
        panelListeners.add(listener)
        return AutoCloseable { panelListeners.remove(listener) }
    }

    override fun panelChanged(params: PanelChangedParams) {
        panelListeners.forEach { it(params) }
    }

    /** `tieline/log/changed` notifications as they arrive, oldest first. */
    val logChanges = LinkedBlockingQueue<LogChangedParams>()
    private val logListeners = CopyOnWriteArrayList<(LogChangedParams) -> Unit>()

    /** Call [listener] for every `tieline/log/changed` (a [LogReader.changed]); close the result to stop. */
    fun onLogChanged(listener: (LogChangedParams) -> Unit): AutoCloseable {
        logListeners.add(listener)
        return AutoCloseable { logListeners.remove(listener) }
    }

    override fun logChanged(params: LogChangedParams) {
        logChanges.add(params)
        logListeners.forEach { it(params) }
    }

    /** `tieline/status/changed` notifications as they arrive, oldest first. */
    val statusChanges = LinkedBlockingQueue<StatusChangedParams>()
    private val statusListeners = CopyOnWriteArrayList<(StatusChangedParams) -> Unit>()

    /** Call [listener] for every `tieline/status/changed` (ask for the status again); close the result to stop. */
    fun onStatusChanged(listener: (StatusChangedParams) -> Unit): AutoCloseable {
        statusListeners.add(listener)
        return AutoCloseable { statusListeners.remove(listener) }
    }

    override fun statusChanged(params: StatusChangedParams) {
        statusChanges.add(params)
        statusListeners.forEach { it(params) }
    }

    override fun configuration(params: ConfigurationParams): CompletableFuture<List<Any?>> {
        configurationRequests.incrementAndGet()
        val current = settings
        return CompletableFuture.completedFuture(params.items.map { current.section(it.section) })
    }

    override fun logMessage(message: MessageParams) {
        messages.add(message)
    }

    override fun showMessage(messageParams: MessageParams) {
        messages.add(messageParams)
    }

    /** No person to ask here: a consent question is declined (answered with no action). */
    override fun showMessageRequest(
        requestParams: ShowMessageRequestParams,
    ): CompletableFuture<MessageActionItem?> = CompletableFuture.completedFuture(null)

    override fun showDocument(params: ShowDocumentParams): CompletableFuture<ShowDocumentResult> =
        CompletableFuture.completedFuture(ShowDocumentResult(false))

    override fun telemetryEvent(`object`: Any?) {}

    override fun publishDiagnostics(diagnostics: PublishDiagnosticsParams) {}

    override fun createProgress(params: WorkDoneProgressCreateParams): CompletableFuture<Void?> =
        CompletableFuture.completedFuture(null)

    override fun notifyProgress(params: ProgressParams) {
        progress.add(params)
    }

    /** Has any work-done progress (the server's first sync, say) ended? */
    fun anyProgressEnded(): Boolean =
        progress.any { it.value?.left is org.eclipse.lsp4j.WorkDoneProgressEnd }

    override fun registerCapability(params: RegistrationParams): CompletableFuture<Void?> =
        CompletableFuture.completedFuture(null)

    override fun unregisterCapability(params: UnregistrationParams): CompletableFuture<Void?> =
        CompletableFuture.completedFuture(null)

    override fun applyEdit(
        params: ApplyWorkspaceEditParams,
    ): CompletableFuture<ApplyWorkspaceEditResponse> =
        CompletableFuture.completedFuture(ApplyWorkspaceEditResponse(false))

    override fun refreshCodeLenses(): CompletableFuture<Void?> = CompletableFuture.completedFuture(null)
}
