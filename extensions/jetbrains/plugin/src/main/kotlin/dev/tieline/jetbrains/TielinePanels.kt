package dev.tieline.jetbrains

import com.intellij.openapi.components.Service
import com.intellij.openapi.components.service
import com.intellij.openapi.project.Project
import com.redhat.devtools.lsp4ij.LanguageServerManager
import dev.tieline.client.PanelItemsParams
import dev.tieline.client.PanelItemsResult
import dev.tieline.client.PanelSource
import dev.tieline.client.PanelTree
import dev.tieline.client.PanelsResult
import dev.tieline.client.TielineServerApi
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import org.eclipse.lsp4j.ExecuteCommandParams
import org.eclipse.lsp4j.ServerCapabilities

/** Per project: the running server (started by LSP4IJ on demand) and the panel tree over it. */
@Service(Service.Level.PROJECT)
class TielinePanels(private val project: Project) {
    val tree = PanelTree(object : PanelSource {
        override fun panels(): CompletableFuture<PanelsResult> = server().thenCompose { it.panels() }
        override fun panelItems(params: PanelItemsParams): CompletableFuture<PanelItemsResult> =
            server().thenCompose { it.panelItems(params) }
    })

    /** The server, starting it if need be; fails if it cannot start. */
    fun server(): CompletableFuture<TielineServerApi> =
        LanguageServerManager.getInstance(project).getLanguageServer(SERVER_ID).thenApply { item ->
            item?.server as? TielineServerApi ?: error("Tieline server is not running")
        }

    fun capabilities(): CompletableFuture<ServerCapabilities?> =
        LanguageServerManager.getInstance(project).getLanguageServer(SERVER_ID)
            .thenApply { it?.serverCapabilities }

    private val statusListeners = CopyOnWriteArrayList<() -> Unit>()

    /** Called on `tieline/status/changed` (folder sync, focus, the team hub link); close to stop. */
    fun onStatusChanged(listener: () -> Unit): AutoCloseable {
        statusListeners += listener
        return AutoCloseable { statusListeners -= listener }
    }

    fun statusChanged() {
        for (listener in statusListeners) listener()
    }

    fun execute(command: String, arguments: List<Any?> = emptyList()): CompletableFuture<Any?> =
        server().thenCompose { it.workspaceService.executeCommand(ExecuteCommandParams(command, arguments)) }

    companion object {
        fun get(project: Project): TielinePanels = project.service()
    }
}
