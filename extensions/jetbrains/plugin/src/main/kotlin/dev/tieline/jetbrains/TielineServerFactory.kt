package dev.tieline.jetbrains

import com.intellij.execution.configurations.GeneralCommandLine
import com.intellij.openapi.project.Project
import com.redhat.devtools.lsp4ij.LanguageServerFactory
import com.redhat.devtools.lsp4ij.client.LanguageClientImpl
import com.redhat.devtools.lsp4ij.server.OSProcessStreamConnectionProvider
import com.redhat.devtools.lsp4ij.server.StreamConnectionProvider
import dev.tieline.client.LogChangedParams
import dev.tieline.client.PanelChangedParams
import dev.tieline.client.ServerCommand
import dev.tieline.client.StatusChangedParams
import dev.tieline.client.TielineClientApi
import dev.tieline.client.TielineServerApi
import java.util.concurrent.CompletableFuture
import org.eclipse.lsp4j.ConfigurationParams
import org.eclipse.lsp4j.services.LanguageServer

/** LSP4IJ's entry point: how to start `tieline serve`, with which client and server interface. */
class TielineServerFactory : LanguageServerFactory {
    override fun createConnectionProvider(project: Project): StreamConnectionProvider {
        val command = ServerCommand.resolve(TielineSettingsState.get().serverPath)
        val line = GeneralCommandLine(command.command).withEnvironment(command.environment)
        project.basePath?.let { line.withWorkDirectory(it) }
        return OSProcessStreamConnectionProvider(line)
    }

    override fun createLanguageClient(project: Project): LanguageClientImpl = TielineIdeClient(project)

    override fun getServerInterface(): Class<out LanguageServer> = TielineServerApi::class.java
}

/** LSP4IJ's client plus the three things Tieline adds; each is handled by the client module. */
class TielineIdeClient(project: Project) : LanguageClientImpl(project), TielineClientApi {
    override fun panelChanged(params: PanelChangedParams) {
        TielinePanels.get(project).tree.onPanelChanged(params)
    }

    /** Part of the status changed by itself (a sync round, focus, the team hub link): the widget asks again. */
    override fun statusChanged(params: StatusChangedParams) {
        TielinePanels.get(project).statusChanged()
    }

    /** A log open in an editor tab grew or was laid out anew: the client's LogReader reads on. */
    override fun logChanged(params: LogChangedParams) {
        TielineCi.get(project).ci.logs.changed(params)
    }

    override fun configuration(params: ConfigurationParams): CompletableFuture<List<Any?>> {
        val settings = TielineSettingsState.get().toSettings()
        return CompletableFuture.completedFuture(params.items.map { settings.section(it.section) })
    }
}

const val SERVER_ID = "tieline"
